import { isAppError } from '../errors';
import type { Logger } from '../logger';
import type { SessionEvent } from '../sessions/events';
import type { UsageMetric, UsageStore } from '../store/types';
import { sessionSeconds } from './duration';
import type { UsageMetrics } from './metrics';
import { dayOf } from './windows';

// Usage per day, client and avatar, from the session events every replica emits. Each fact is
// counted once even if two replicas report it (the store remembers what it counted).

export class Metering {
  constructor(
    private readonly store: UsageStore,
    private readonly metrics: UsageMetrics,
    private readonly logger: Logger,
  ) {}

  /** Admission let a request through (concurrency and budget): it is about to be sent to Runway. */
  requested(clientId: string, avatarId: string, leaseId: string): Promise<void> {
    this.metrics.count(clientId, 'requested', 1);
    return this.add(dayOf(Date.now()), clientId, avatarId, { requested: 1 }, `req:${leaseId}`);
  }

  /** Listener for SessionEvents. */
  async onEvent(event: SessionEvent): Promise<void> {
    const { record } = event;
    const counts: Partial<Record<UsageMetric, number>> = {};
    switch (event.type) {
      case 'delivered':
        counts.delivered = 1;
        break;
      case 'failed':
        counts.failed = 1;
        break;
      case 'timed_out':
        counts.timedOut = 1;
        break;
      case 'ended':
        counts.sessionSeconds = sessionSeconds(record);
        break;
      default:
        return;
    }
    for (const [metric, n] of Object.entries(counts) as [UsageMetric, number][]) this.metrics.count(record.owner, metric, n);
    // Counted on the day the session was delivered (or requested), so a call across midnight stays whole.
    const day = dayOf(record.deliveredAt ?? record.requestedAt ?? record.createdAt);
    await this.add(day, record.owner, record.avatar.id, counts, `${event.type}:${record.id}`);
  }

  private async add(day: string, client: string, avatar: string, counts: Partial<Record<UsageMetric, number>>, once: string): Promise<void> {
    await this.store.add(day, client, avatar, counts, once).catch((err: unknown) => {
      // A store outage is logged once by the store itself, not once per fact.
      const level = isAppError(err) && err.code === 'STORE_UNAVAILABLE' ? 'debug' : 'warn';
      this.logger[level]({ err: String(err), client, metric: Object.keys(counts) }, 'could not record usage; this fact is not metered');
    });
  }
}
