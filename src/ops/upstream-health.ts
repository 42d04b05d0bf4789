// Remembers recent upstream outcomes so /readyz can say "degraded" during a Runway outage. A Runway
// outage must not make the broker unready: pods would churn while callers still deserve clear 503s.

const WINDOW_MS = 60_000;

export class UpstreamHealth {
  private lastFailureAt = 0;
  private lastSuccessAt = 0;

  record(status: string): void {
    const failed = status === 'network' || /^5\d\d$/.test(status);
    if (failed) this.lastFailureAt = Date.now();
    else if (status !== 'aborted') this.lastSuccessAt = Date.now();
  }

  /** Degraded when the most recent outcome in the last minute was a failure. */
  status(): 'ok' | 'degraded' | 'unknown' {
    const now = Date.now();
    if (this.lastFailureAt > this.lastSuccessAt && now - this.lastFailureAt < WINDOW_MS) return 'degraded';
    if (this.lastSuccessAt === 0) return 'unknown';
    return 'ok';
  }
}
