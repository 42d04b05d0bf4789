import type { ReadinessModel } from './readiness-model';

// When to ask Runway again. A fixed 1 s loop wastes polls early and waits ~500 ms on average after
// READY. Instead we spend polls where READY is likely: the wait before the next poll is
// sqrt(2·c / hazard(t)), the classic optimum for checking on a random event when each check costs c
// (in ms of waiting saved). Early polls are also capped at the elapsed time, so a fast upstream
// (or a warm one) is noticed within a few hundred ms. While Runway says the session is queued for
// capacity, READY is not imminent, so we back off to a slow, steady check.

export interface PollTuning {
  /** What one poll is worth, in ms of post-READY waiting; higher = fewer polls, more slack. */
  pollCostMs: number;
  firstPollMs: number;
  minIntervalMs: number;
  maxIntervalMs: number;
  queuedIntervalMs: number;
}

export const DEFAULT_POLL_TUNING: PollTuning = {
  pollCostMs: 20,
  firstPollMs: 150,
  minIntervalMs: 100,
  maxIntervalMs: 2500,
  queuedIntervalMs: 2000,
};

export class PollSchedule {
  constructor(
    private readonly model: ReadinessModel,
    private readonly tuning: PollTuning = DEFAULT_POLL_TUNING,
  ) {}

  /** Delay before the next poll, given time since provisioning began (not counting queueing). */
  nextDelay(provisioningMs: number, queued: boolean): number {
    const { pollCostMs, firstPollMs, minIntervalMs, maxIntervalMs, queuedIntervalMs } = this.tuning;
    if (queued) return queuedIntervalMs;
    const optimal = Math.sqrt((2 * pollCostMs) / this.model.hazard(provisioningMs));
    const early = Math.max(firstPollMs, provisioningMs);
    return Math.round(Math.min(early, Math.min(maxIntervalMs, Math.max(minIntervalMs, optimal))));
  }
}
