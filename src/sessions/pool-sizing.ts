// How many READY sessions an `auto` pool should hold. A pooled session taken now is replaced after
// roughly one provisioning time L, so the requests that can find the pool empty are those arriving
// while replacements are still provisioning: on average λ·L of them (Little's law). Arrivals are
// close to Poisson, so holding n sessions serves every request in a window with probability
// P(N ≤ n), N ~ Poisson(λ·L); the pool holds the smallest n that reaches the target hit rate. With
// no arrivals λ decays to zero and so does n.

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

/** The `auto` size: Poisson quantile of λ·L, within `max`. */
export function autoSize(ratePerSecond: number, provisioningMs: number, targetHitRate: number, max: number): number {
  return Math.min(max, poissonQuantile(ratePerSecond * (provisioningMs / 1000), targetHitRate));
}
