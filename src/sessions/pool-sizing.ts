// How many READY sessions an `auto` pool should hold. Each take starts a replacement that is ready
// about one provisioning time L later, so the pool works like a base-stock inventory: with n held,
// the replacements outstanding at any moment number N ~ Poisson(λ·L) (Little's law for the mean,
// Poisson arrivals for the shape), and a request finds a READY session when N < n. The pool holds
// the smallest n with P(N ≤ n − 1) ≥ the target hit rate. When an avatar goes so quiet that a held
// session would likely idle out before anyone takes it, the size is zero.

/** Arrivals per second, as an exponentially decaying count (time constant `tauMs`). */
export class ArrivalRate {
  private weight = 0;
  private at = 0;

  constructor(private readonly tauMs = 30_000) {}

  record(now = Date.now()): void {
    this.weight = this.decayed(now) + 1;
    this.at = now;
  }

  /** Per second. Quiet for a few time constants and it reads (close to) zero. */
  perSecond(now = Date.now()): number {
    return this.decayed(now) / (this.tauMs / 1000);
  }

  private decayed(now: number): number {
    if (this.weight === 0) return 0;
    return this.weight * Math.exp(-Math.max(0, now - this.at) / this.tauMs);
  }
}

/** Smallest n with P(Poisson(mean) ≤ n) ≥ target. */
export function poissonQuantile(mean: number, target: number): number {
  if (!(mean > 0)) return 0;
  let term = Math.exp(-mean);
  let cumulative = term;
  let n = 0;
  // Past mean + 10·√mean the tail is negligible for any target we accept (≤ 0.999).
  const limit = Math.ceil(mean + 10 * Math.sqrt(mean) + 10);
  while (cumulative < target && n < limit) {
    n++;
    term *= mean / n;
    cumulative += term;
  }
  return n;
}

/** Mean of a log-normal with this median and σ: how long a replacement takes on average. */
export function meanProvisioningMs(medianMs: number, sigma: number): number {
  return medianMs * Math.exp((sigma * sigma) / 2);
}

/** Fewer expected takes than this within a session's useful life: holding one is mostly waste. */
const MIN_TAKES_PER_LIFE = 0.5;

/** The `auto` size: one more than the Poisson quantile of λ·L, within `max`; zero when quiet. */
export function autoSize(ratePerSecond: number, provisioningMs: number, targetHitRate: number, max: number, usefulLifeMs: number): number {
  if (ratePerSecond * (usefulLifeMs / 1000) < MIN_TAKES_PER_LIFE) return 0;
  return Math.min(max, poissonQuantile(ratePerSecond * (provisioningMs / 1000), targetHitRate) + 1);
}
