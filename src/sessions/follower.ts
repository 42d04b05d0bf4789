import { isAppError } from '../errors';
import type { Logger } from '../logger';
import { TERMINAL_STATUSES, type RealtimeSessionsApi } from '../runway/sessions';
import type { FollowedSession, FollowQueue } from '../store/types';
import type { Admission } from './admission';
import type { SessionEvents } from './events';
import type { SessionRegistry } from '../store/registry';

// Delivered sessions hold a concurrency slot until they end upstream. Runway has no webhooks, so we
// look at each one now and then (every `intervalMs`, with jitter) until it is terminal or its
// maxDuration has surely passed. The queue gives each due session to one replica at a time; if that
// replica dies mid-check, the claim lapses and another replica picks the session up.

const CLAIM_MS = 30_000;
const TICK_MS = 1000;
const BATCH = 25;

export interface FollowerOptions {
  queue: FollowQueue;
  sessions: RealtimeSessionsApi;
  admission: Admission;
  registry: SessionRegistry;
  logger: Logger;
  intervalMs: number;
  events?: SessionEvents;
}

export class SessionFollower {
  private timer?: NodeJS.Timeout;
  private ticking = false;

  constructor(private readonly options: FollowerOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async follow(session: FollowedSession): Promise<void> {
    await this.options.admission.holdUntil(session.leaseId, session.clientId, session.releaseBy);
    await this.options.queue.add(session, this.nextCheck());
  }

  /** The session ended by other means (cancelled, abandoned): free its slot now. */
  async end(session: Pick<FollowedSession, 'sessionId' | 'leaseId' | 'clientId'>): Promise<void> {
    await this.options.queue.remove(session.sessionId).catch(() => undefined);
    await this.options.admission.release(session.leaseId, session.clientId);
  }

  /** One pass over the due sessions; exported for tests, normally driven by the timer. */
  async tick(now = Date.now()): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      // Batch after batch until nothing is due: one batch a tick capped how fast slots came back
      // (25 session ends a second), and a busy broker ran out of capacity behind its own queue.
      const until = Date.now() + TICK_MS;
      for (;;) {
        const due = await this.options.queue.claimDue(now, CLAIM_MS, BATCH);
        await Promise.all(due.map((session) => this.check(session, now)));
        if (due.length < BATCH || Date.now() >= until) break;
      }
    } catch (err) {
      // A store outage is logged once by the store, not here every second.
      const level = isAppError(err) && err.code === 'STORE_UNAVAILABLE' ? 'debug' : 'warn';
      this.options.logger[level]({ err: String(err) }, 'session follow-up skipped a beat');
    } finally {
      this.ticking = false;
    }
  }

  private async check(session: FollowedSession, now: number): Promise<void> {
    if (now >= session.releaseBy) return this.finish(session, 'expired');
    try {
      const upstream = await this.options.sessions.retrieve(session.sessionId, { deadline: now + 5000 });
      if (TERMINAL_STATUSES.has(upstream.status)) return this.finish(session, upstream.status);
      await this.options.queue.reschedule(session.sessionId, this.nextCheck());
    } catch {
      // Unknown for now; the claim lapses and the session is checked again later.
    }
  }

  private async finish(session: FollowedSession, how: string): Promise<void> {
    await this.end(session);
    const record = await this.options.registry.update(session.sessionId, { status: 'ended', endedAt: new Date().toISOString(), endReason: how });
    if (record) this.options.events?.emit('ended', record, how);
    this.options.logger.info({ sessionId: session.sessionId, how }, 'session ended; slot released');
  }

  private nextCheck(): number {
    const { intervalMs } = this.options;
    return Date.now() + intervalMs * (0.75 + Math.random() * 0.5);
  }
}
