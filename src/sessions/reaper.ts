import type { Logger } from '../logger';
import type { RealtimeSessionsApi } from '../runway/sessions';
import type { SessionRegistry } from '../store/registry';
import type { JournalEntry, SessionJournal } from '../store/types';
import type { Admission } from './admission';
import type { SessionEvents } from './events';
import type { SessionFollower } from './follower';
import type { Journal } from './journal';

// Every replica heartbeats and runs a reaper over the shared journal. A session whose owner stopped
// heartbeating (killed, partitioned, OOM) and that never reached a client is cancelled upstream and
// its slot freed; one that did reach a client is handed to the follower, which frees the slot when
// it ends. A restarted replica (same REPLICA_ID, new incarnation) reaps its predecessor's leftovers
// at once, without waiting for the old heartbeat to lapse. Cancels that failed are retried here too.

export interface ReaperOptions {
  store: SessionJournal;
  journal: Journal;
  sessions: RealtimeSessionsApi;
  admission: Admission;
  follower: SessionFollower;
  registry: SessionRegistry;
  events?: SessionEvents;
  logger: Logger;
  /** How long a silent replica is trusted (REPLICA_HEARTBEAT_TTL_MS). */
  heartbeatTtlMs: number;
  /** How often the journal is swept (REAPER_INTERVAL_MS). */
  intervalMs: number;
  /** How long one cancel keeps retrying; a cancel owed for longer than twice this is taken over. */
  cancelBudgetMs: number;
  /** Whether the store answers; the first heartbeat waits for it rather than fail during connect. */
  storeReady?: () => Promise<boolean>;
  /** Tells metrics what happened to a reaped session. */
  onReaped?: (outcome: 'cancelled' | 'already-ended' | 'followed' | 'failed') => void;
}

export class Reaper {
  private beatTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private stopped = false;

  constructor(private readonly options: ReaperOptions) {}

  /** Heartbeat as soon as the store answers (so our entries are never taken for orphans), then sweep: boot-time reaping. */
  async start(): Promise<void> {
    while (!this.stopped && this.options.storeReady && !(await this.options.storeReady().catch(() => false))) {
      await new Promise((resolve) => setTimeout(resolve, 100).unref());
    }
    if (this.stopped) return;
    await this.beat();
    this.beatTimer = setInterval(() => void this.beat(), Math.max(100, Math.floor(this.options.heartbeatTtlMs / 4)));
    this.beatTimer.unref();
    this.scheduleSweep(0);
  }

  /** Stops sweeping and heartbeats; `retire` tells the others at once that our leftovers are theirs. */
  async stop({ retire }: { retire: boolean }): Promise<void> {
    this.stopped = true;
    clearInterval(this.beatTimer);
    clearTimeout(this.sweepTimer);
    await this.sweeping;
    if (retire) await this.options.store.retire(this.options.journal.owner.incarnation).catch(() => undefined);
  }

  /** One pass over the journal; exported for tests, normally driven by the timer. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private scheduleSweep(delayMs: number): void {
    if (this.stopped) return;
    this.sweepTimer = setTimeout(async () => {
      await this.sweep();
      // Jitter, so replicas started together do not sweep in lockstep.
      this.scheduleSweep(this.options.intervalMs * (0.75 + Math.random() * 0.5));
    }, delayMs);
    this.sweepTimer.unref();
  }

  private async beat(): Promise<void> {
    await this.options.store.beat(this.options.journal.owner.incarnation, this.options.heartbeatTtlMs).catch((err: unknown) => {
      this.options.logger.debug({ err: String(err) }, 'heartbeat not written');
    });
  }

  private async sweepOnce(): Promise<void> {
    try {
      const entries = await this.options.store.list();
      if (entries.length === 0) return;
      const alive = await this.options.store.alive([...new Set(entries.map((e) => e.owner.incarnation))]);
      const due = entries.filter((entry) => this.isOurs(entry, alive));
      await Promise.all(due.map((entry) => this.reap(entry)));
    } catch (err) {
      this.options.logger.debug({ err: String(err) }, 'reaper skipped a sweep');
    }
  }

  /** Orphaned (owner silent, or our own previous incarnation), or a cancel owed for too long. */
  private isOurs(entry: JournalEntry, alive: Set<string>): boolean {
    const me = this.options.journal.owner;
    if (entry.owner.incarnation === me.incarnation) return entry.state === 'cancelling' && Date.now() - entry.since > this.options.cancelBudgetMs * 2;
    if (entry.owner.replicaId === me.replicaId) return true;
    // A silent owner whose entry is younger than a heartbeat may just be starting: give it that long.
    if (!alive.has(entry.owner.incarnation)) return Date.now() - entry.since >= this.options.heartbeatTtlMs;
    return entry.state === 'cancelling' && Date.now() - entry.since > this.options.cancelBudgetMs * 2;
  }

  private async reap(candidate: JournalEntry): Promise<void> {
    const entry = await this.options.store.take(candidate.sessionId);
    if (!entry) return; // another replica got it first
    const { logger } = this.options;
    if (entry.state === 'delivered') {
      const releaseBy = entry.releaseBy ?? Date.now();
      if (entry.leaseId) await this.options.follower.follow({ sessionId: entry.sessionId, leaseId: entry.leaseId, clientId: entry.clientId, releaseBy });
      this.options.onReaped?.('followed');
      logger.info({ sessionId: entry.sessionId, from: entry.owner.replicaId }, 'reaper: delivered session of a lost replica handed to the follower');
      return;
    }
    try {
      const result = await this.options.sessions.cancel(entry.sessionId, { deadline: Date.now() + this.options.cancelBudgetMs });
      if (entry.leaseId) await this.options.admission.release(entry.leaseId, entry.clientId);
      const record = await this.options.registry
        .update(entry.sessionId, { status: 'cancelled', endedAt: new Date().toISOString(), endReason: 'owner_lost' })
        .catch(() => undefined);
      if (record) this.options.events?.emit('cancelled', record, 'owner_lost');
      this.options.onReaped?.(result);
      logger.warn({ sessionId: entry.sessionId, from: entry.owner.replicaId, result }, 'reaper: cancelled a session its replica left behind');
    } catch (err) {
      // Keep owing the cancel, now under our name, so the next sweep (ours or another's) tries again.
      await this.options.store.put({ ...entry, owner: this.options.journal.owner, state: 'cancelling', since: Date.now() }).catch(() => undefined);
      this.options.onReaped?.('failed');
      logger.error({ sessionId: entry.sessionId, err: String(err) }, 'reaper: could not cancel an orphaned session; will retry');
    }
  }
}
