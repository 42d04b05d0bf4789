// A running estimate of how long Runway takes to provision a session (time from the end of queueing
// to READY), modelled as log-normal. It starts from a configured prior and follows observed sessions
// with an exponentially weighted mean and variance of log(time), so the poller adapts when the
// upstream gets faster or slower. Learning is deliberately slow (about the last 50 sessions): in a
// burst the fastest sessions report first, and a quick learner would mistake them for the norm.

const MIN_SIGMA = 0.2;
const MAX_SIGMA = 1.2;

export class ReadinessModel {
  private mu: number;
  private variance: number;

  constructor(
    expectedMs: number,
    sigma = 0.5,
    private readonly weight = 0.02,
  ) {
    this.mu = Math.log(expectedMs);
    this.variance = sigma * sigma;
  }

  get medianMs(): number {
    return Math.exp(this.mu);
  }

  get sigma(): number {
    return Math.min(MAX_SIGMA, Math.max(MIN_SIGMA, Math.sqrt(this.variance)));
  }

  observe(readyAfterMs: number): void {
    if (!(readyAfterMs > 0)) return;
    const x = Math.log(readyAfterMs);
    const delta = x - this.mu;
    this.mu += this.weight * delta;
    this.variance = (1 - this.weight) * (this.variance + this.weight * delta * delta);
  }

  /** Hazard rate (per ms) at t: how likely READY arrives in the next instant, given not yet. */
  hazard(tMs: number): number {
    if (tMs <= 0) return 1e-12;
    const s = this.sigma;
    const z = (Math.log(tMs) - this.mu) / s;
    const density = Math.exp((-z * z) / 2) / (tMs * s * Math.sqrt(2 * Math.PI));
    const survival = 1 - normalCdf(z);
    return density / Math.max(survival, 1e-9);
  }
}

function normalCdf(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

// Abramowitz–Stegun 7.1.26; ample precision for scheduling.
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
