import type { ReadinessModel } from './readiness-model';

// When to ask Runway again. A fixed 1 s loop wastes polls early and waits ~500 ms on average after
// READY. Instead we spend polls where READY is likely: the wait before the next poll is
// sqrt(2·c / hazard(t)), the classic optimum for checking on a random event when each check costs c
// (in ms of waiting saved). Early polls are also capped at the elapsed time, so a fast upstream
// (or a warm one) is noticed within a few hundred ms. While Runway says the session is queued for
// capacity, READY is not imminent, so we back off to a slow, steady check. A session past three
// times the learned median is one the model got wrong (a narrow model would otherwise poll it every
// 100 ms): it is checked every fifth of its wait so far (up to 10 s), so it is noticed at most ~20%
// later, and a thousand such sessions cost hundreds of polls a second instead of thousands.

export interface PollTuning {
  /** What one poll is worth, in ms of post-READY waiting; higher = fewer polls, more slack. */
  pollCostMs: number;
  firstPollMs: number;
  minIntervalMs: number;
  maxIntervalMs: number;
  queuedIntervalMs: number;
  /** Far past the expected time, the wait between polls is this share of the time so far. */
  lateFraction: number;
  lateMaxIntervalMs: number;
}

export const DEFAULT_POLL_TUNING: PollTuning = {
  pollCostMs: 20,
  firstPollMs: 150,
  minIntervalMs: 100,
  maxIntervalMs: 2500,
  queuedIntervalMs: 2000,
  lateFraction: 0.2,
  lateMaxIntervalMs: 10_000,
};

export class PollSchedule {
  constructor(
    private readonly model: ReadinessModel,
    private readonly tuning: PollTuning = DEFAULT_POLL_TUNING,
  ) {}

  /** Delay before the next poll, given time since provisioning began (not counting queueing). */
  nextDelay(provisioningMs: number, queued: boolean): number {
    const { pollCostMs, firstPollMs, minIntervalMs, maxIntervalMs, queuedIntervalMs, lateFraction, lateMaxIntervalMs } = this.tuning;
    if (queued) return queuedIntervalMs;
    const optimal = Math.sqrt((2 * pollCostMs) / this.model.hazard(provisioningMs));
    const early = Math.max(firstPollMs, provisioningMs);
    const usual = Math.min(early, Math.min(maxIntervalMs, Math.max(minIntervalMs, optimal)));
    // Far past what the model expects, it is wrong about this session: stop trusting its hazard.
    if (provisioningMs > 3 * this.model.medianMs) return Math.round(Math.min(lateMaxIntervalMs, Math.max(usual, provisioningMs * lateFraction)));
    return Math.round(usual);
  }
}
