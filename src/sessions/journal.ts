import { AppError } from '../errors';
import type { Logger } from '../logger';
import type { JournalEntry, ReplicaRef, SessionJournal } from '../store/types';

/**
 * This replica's side of the crash-safety journal: what the orchestrator (and the warm pool) call
 * as a session moves on. Only `opened` may fail a request — a session we could not journal is one
 * a crash would orphan, so it is cancelled instead. The other steps never throw: losing track of a
 * delivered session costs a follow-up at worst, and must not cost the client its credentials.
 */
export class Journal {
  constructor(
    private readonly store: SessionJournal,
    readonly owner: ReplicaRef,
    private readonly logger: Logger,
  ) {}

  async opened(sessionId: string, clientId: string, leaseId?: string): Promise<void> {
    const entry: JournalEntry = { sessionId, owner: this.owner, clientId, leaseId, state: 'pending', since: Date.now() };
    await this.store.put(entry).catch((err: unknown) => {
      throw new AppError('STORE_UNAVAILABLE', undefined, { retryAfter: 2, cause: err });
    });
  }

  delivered(sessionId: string, releaseBy: number): Promise<void> {
    return this.quietly('delivered', sessionId, () => this.store.mark(sessionId, { state: 'delivered', releaseBy }));
  }

  cancelling(sessionId: string): Promise<void> {
    return this.quietly('cancelling', sessionId, () => this.store.mark(sessionId, { state: 'cancelling' }));
  }

  closed(sessionId: string): Promise<void> {
    return this.quietly('closed', sessionId, () => this.store.remove(sessionId));
  }

  private async quietly(step: string, sessionId: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.logger.warn({ sessionId, step, err: String(err) }, 'could not update the session journal; the reaper settles it later');
    }
  }
}
