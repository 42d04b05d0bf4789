import { AppError } from '../errors';
import type { Logger } from '../logger';
import { sleep } from '../runway/retry';
import type { RealtimeSessionsApi, UpstreamSession } from '../runway/sessions';
import type { SessionRecord, SessionRegistry } from '../store/registry';
import type { Admission } from './admission';
import { SessionEvents, type SessionEventType } from './events';
import { classify, type AbortReason, type CancelReason, type Outcome } from './failure';
import type { SessionFollower } from './follower';
import type { Journal } from './journal';
import type { SessionPlan } from './plan';
import type { WarmPool } from './pool';
import { PollSchedule, type PollTuning } from './poll-schedule';
import { ReadinessModel } from './readiness-model';
import { background, pollEvent, pollingPhase, step } from './tracing';

export type { CancelReason, Outcome } from './failure';

export type Delivery =
  | { shape: 'credentials'; sessionId: string; serverUrl: string; token: string; roomName: string; expiresAt: string; maxDuration: number }
  | { shape: 'sessionKey'; sessionId: string; sessionKey: string; expiresAt: string };

/** Hooks for metrics; every one optional. */
export interface SessionObserver {
  inflight?(delta: 1 | -1): void;
  rejected?(code: string): void;
  polled?(): void;
  finished?(outcome: Outcome, timings: { readyMs?: number; credentialsMs?: number; source?: 'pooled' | 'cold' }): void;
  cancelled?(reason: CancelReason, result: 'cancelled' | 'already-ended' | 'failed'): void;
}

export interface OrchestratorOptions {
  sessions: RealtimeSessionsApi;
  registry: SessionRegistry;
  admission: Admission;
  follower: SessionFollower;
  logger: Logger;
  readyTimeoutMs: number;
  expectedReadyMs: number;
  /** Bound of the one create request; generous, because giving up early loses the id (UPSTREAM_CREATE_TIMEOUT_MS). */
  createTimeoutMs?: number;
  pollTuning?: PollTuning;
  /** How long a background cancel keeps retrying. */
  cancelBudgetMs?: number;
  observer?: SessionObserver;
  /** Lifecycle facts for listeners (usage, webhooks, tracing); a private one when not given. */
  events?: SessionEvents;
  /** Crash safety: every upstream id is journaled until it reached a client or was cancelled. */
  journal?: Journal;
  /** READY sessions held ahead of demand (pool.ts); none = every request goes cold. */
  pool?: WarmPool;
}

const DEFAULT_CREATE_TIMEOUT_MS = 30_000;
const DEFAULT_CANCEL_BUDGET_MS = 15_000;

/** One client's request, from create to delivery. Aborts on deadline, disconnect or shutdown. */
class Attempt {
  readonly started = performance.now();
  readonly requestedAt = new Date().toISOString();
  readonly deadline: number;
  readonly controller = new AbortController();
  sessionId?: string;
  delivered = false;
  readyMs?: number;
  /** The last known record, for events when the registry cannot be read. */
  record?: SessionRecord;
  /** Epoch ms by which a delivered session's slot is freed whatever Runway says. */
  releaseBy = 0;
  /** The session came from the warm pool. */
  pooled = false;

  private readonly timer: NodeJS.Timeout;
  private readonly onClientClosed = () => this.abort('client_closed');

  constructor(
    readonly plan: SessionPlan,
    readonly leaseId: string,
    private readonly clientSignal: AbortSignal,
    timeoutMs: number,
  ) {
    this.deadline = Date.now() + timeoutMs;
    this.timer = setTimeout(() => this.abort('timeout'), timeoutMs);
    this.timer.unref();
    if (clientSignal.aborted) this.abort('client_closed');
    else clientSignal.addEventListener('abort', this.onClientClosed, { once: true });
  }

  /** Once the request is answered: the deadline timer would otherwise hold the attempt until it fires. */
  dispose(): void {
    clearTimeout(this.timer);
    this.clientSignal.removeEventListener('abort', this.onClientClosed);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get aborted(): AbortReason | undefined {
    return this.signal.aborted ? (this.signal.reason as AbortReason) : undefined;
  }

  abort(reason: AbortReason): void {
    this.controller.abort(reason);
  }

  elapsedMs(): number {
    return performance.now() - this.started;
  }
}

/**
 * Owns the life of a broker session: admit → create → poll until READY → consume once → deliver →
 * follow until it ends. Every upstream session it creates ends either delivered to exactly one
 * client or cancelled, and every concurrency slot it takes is given back.
 */
export class SessionOrchestrator {
  private readonly attempts = new Map<Attempt, Promise<unknown>>();
  private readonly cancels = new Set<Promise<void>>();
  private readonly model: ReadinessModel;
  private readonly schedule: PollSchedule;
  private draining = false;
  readonly events: SessionEvents;

  constructor(private readonly options: OrchestratorOptions) {
    this.events = options.events ?? new SessionEvents(options.logger);
    this.model = new ReadinessModel(options.expectedReadyMs);
    this.schedule = new PollSchedule(this.model, options.pollTuning);
  }

  get inflight(): number {
    return this.attempts.size;
  }

  async start(plan: SessionPlan, clientSignal: AbortSignal): Promise<Delivery> {
    const leaseId = await step('session.admission', () => this.admit(plan));
    const attempt = new Attempt(plan, leaseId, clientSignal, this.options.readyTimeoutMs);
    const run = this.run(attempt);
    this.track(attempt, run);
    try {
      return await run;
    } finally {
      attempt.dispose();
      this.untrack(attempt);
    }
  }

  private async run(attempt: Attempt): Promise<Delivery> {
    try {
      let delivery = await this.fromPool(attempt);
      if (!delivery) {
        const sessionId = await step('session.create', () => this.create(attempt));
        const ready = await pollingPhase(sessionId, () => this.waitUntilReady(attempt, sessionId));
        delivery = await step('session.deliver', () => this.deliver(attempt, ready), { 'session.id': sessionId });
      }
      await this.followUntilEnded(attempt, delivery);
      const source = attempt.pooled ? 'pooled' : 'cold';
      this.options.observer?.finished?.('delivered', { readyMs: attempt.readyMs, credentialsMs: attempt.elapsedMs(), source });
      return delivery;
    } catch (err) {
      throw await this.fail(attempt, err);
    }
  }

  /** 0. Take a concurrency slot (per client and global) before spending anything upstream. */
  private async admit(plan: SessionPlan): Promise<string> {
    try {
      if (this.draining) throw new AppError('SHUTTING_DOWN', undefined, { retryAfter: 1 });
      return await this.options.admission.admit(plan.owner, plan.clientLimit, { maxDuration: plan.maxDuration, avatarId: plan.avatar.id });
    } catch (err) {
      if (err instanceof AppError) this.options.observer?.rejected?.(err.code);
      throw err;
    }
  }

  /**
   * 1a. For the default plan, a READY session from the warm pool: consumed (or its key handed over)
   * exactly like a cold one. If the hand-over fails, that session is cancelled and the request tries
   * the next pooled one, then the cold path, within its own deadline. Its journal entry passes to the
   * client (its lease now covers it), and its created/ready events are emitted here with the client
   * as owner: before this, the session belonged to no one.
   */
  private async fromPool(attempt: Attempt): Promise<Delivery | undefined> {
    const { pool, registry, logger, journal } = this.options;
    const { plan } = attempt;
    for (let first = true; pool; first = false) {
      const ticket = pool.take(plan, first);
      if (!ticket) return undefined;
      attempt.sessionId = ticket.id;
      await journal?.opened(ticket.id, plan.owner, attempt.leaseId);
      attempt.record = { id: ticket.id, owner: plan.owner, avatar: plan.avatar, shape: plan.shape, status: 'starting', maxDuration: plan.maxDuration, requestedAt: attempt.requestedAt, createdAt: ticket.createdAt, readyAt: ticket.readyAt, leaseId: attempt.leaseId, pooled: true, ...(plan.template ? { template: plan.template } : {}) };
      await registry.put(attempt.record);
      this.events.emit('created', attempt.record);
      this.events.emit('ready', attempt.record);
      try {
        if (plan.shape === 'sessionKey') await pool.confirm(ticket, attempt.signal);
        attempt.readyMs = attempt.elapsedMs();
        attempt.pooled = true;
        return await this.deliver(attempt, ticket.ready);
      } catch (err) {
        if (attempt.signal.aborted || attempt.delivered) throw err;
        logger.warn({ sessionId: ticket.id, err: describe(err) }, 'pooled session could not be handed over; trying the next');
        pool.handoverFailed(ticket);
        this.cancelInBackground(ticket.id, 'consume_failed');
        await this.note(attempt, { status: 'cancelled', endedAt: new Date().toISOString(), endReason: 'consume_failed' }, 'cancelled', 'consume_failed').catch(() => undefined);
        Object.assign(attempt, { sessionId: undefined, record: undefined, readyMs: undefined, pooled: false });
      }
    }
    return undefined;
  }

  /**
   * 1. Ask Runway for a session. Not tied to the client's signal, and bounded by its own generous
   * timeout: once sent, we must learn the id to clean up, even after the client has gone.
   */
  private async create(attempt: Attempt): Promise<string> {
    const { plan } = attempt;
    const { id } = await this.options.sessions.create(plan.params, { timeoutMs: this.createTimeoutMs }).catch((err: unknown) => {
      // On create, "no such resource" can only mean the avatar; Runway may also answer 400 for a custom
      // avatar that is unknown or still processing.
      if (err instanceof AppError && err.code === 'NOT_FOUND') throw new AppError('AVATAR_NOT_FOUND', undefined, { cause: err });
      if (err instanceof AppError && err.code === 'UPSTREAM_REJECTED' && plan.avatar.type === 'custom') {
        throw new AppError('UPSTREAM_REJECTED', 'Runway rejected the session; check that the custom avatar exists and is READY.', { cause: err });
      }
      throw err;
    });
    attempt.sessionId = id;
    await this.options.journal?.opened(id, plan.owner, attempt.leaseId);
    attempt.record = {
      id,
      owner: plan.owner,
      avatar: plan.avatar,
      shape: plan.shape,
      status: 'starting',
      maxDuration: plan.maxDuration,
      requestedAt: attempt.requestedAt,
      createdAt: new Date().toISOString(),
      leaseId: attempt.leaseId,
      ...(this.options.pool ? { pooled: false } : {}),
      ...(plan.template ? { template: plan.template } : {}),
    };
    await this.options.registry.put(attempt.record);
    this.events.emit('created', attempt.record);
    this.options.logger.info({ sessionId: id, avatar: plan.avatar, maxDuration: plan.maxDuration }, 'session created upstream');
    attempt.signal.throwIfAborted();
    return id;
  }

  /** 2. Poll until READY, spending polls where readiness is likely (see poll-schedule.ts). */
  private async waitUntilReady(attempt: Attempt, id: string): Promise<Extract<UpstreamSession, { status: 'READY' }>> {
    let provisioningSince = performance.now();
    let lastPollAt = provisioningSince;
    let queued = false;
    let reported: SessionRecord['status'] = 'starting';
    for (;;) {
      const delay = this.schedule.nextDelay(performance.now() - provisioningSince, queued);
      await sleep(delay, attempt.signal);
      const session = await this.options.sessions.retrieve(id, { signal: attempt.signal, deadline: attempt.deadline });
      this.options.observer?.polled?.();
      pollEvent(session.status);
      const now = performance.now();
      switch (session.status) {
        case 'READY':
          // READY arrived somewhere between the previous poll and this one.
          this.model.observe((lastPollAt + now) / 2 - provisioningSince);
          attempt.readyMs = attempt.elapsedMs();
          await this.note(attempt, { readyAt: new Date().toISOString() }, 'ready');
          return session;
        case 'NOT_READY': {
          const nowQueued = session.queued === true;
          if (nowQueued !== queued) provisioningSince = now; // the provisioning clock starts when the queue ends
          queued = nowQueued;
          const status = queued ? 'queued' : 'provisioning';
          if (status !== reported) {
            reported = status;
            await this.note(attempt, { status, [status === 'queued' ? 'queuedAt' : 'provisioningAt']: new Date().toISOString() }, status);
          }
          lastPollAt = now;
          break;
        }
        case 'FAILED':
          throw new AppError('SESSION_FAILED', 'Runway could not start the avatar session.', { failureCode: session.failureCode });
        default:
          // CANCELLED or COMPLETED before we delivered, or RUNNING without our consume.
          throw new AppError('SESSION_FAILED', `The avatar session ended before it was ready (${session.status}).`);
      }
    }
  }

  /** 3. Hand over: consume exactly once and return LiveKit credentials, or hand the client the key. */
  private async deliver(attempt: Attempt, ready: Extract<UpstreamSession, { status: 'READY' }>): Promise<Delivery> {
    const { plan } = attempt;
    const id = ready.id;
    if (plan.shape === 'sessionKey') {
      attempt.signal.throwIfAborted();
      await this.markDelivered(attempt, id, ready.expiresAt);
      return { shape: 'sessionKey', sessionId: id, sessionKey: ready.sessionKey, expiresAt: ready.expiresAt };
    }
    const credentials = await step('session.consume', () => this.options.sessions.consume(id, ready.sessionKey, { signal: attempt.signal }));
    const expiresAt = new Date(Date.now() + plan.maxDuration * 1000).toISOString();
    await this.markDelivered(attempt, id, expiresAt);
    return {
      shape: 'credentials',
      sessionId: id,
      serverUrl: credentials.url,
      token: credentials.token,
      roomName: credentials.roomName,
      expiresAt,
      maxDuration: plan.maxDuration,
    };
  }

  /** 4. The slot stays taken while the session may run; the follower frees it when it ends. */
  private async followUntilEnded(attempt: Attempt, delivery: Delivery): Promise<void> {
    await this.options.follower
      .follow({ sessionId: delivery.sessionId, leaseId: attempt.leaseId, clientId: attempt.plan.owner, releaseBy: attempt.releaseBy })
      .then(
        () => this.options.journal?.closed(delivery.sessionId),
        (err: unknown) => {
          // Delivery already happened; the journal keeps it "delivered", so a reaper hands it to the
          // follower later, and the lease expires by itself at its current deadline anyway.
          this.options.logger.warn({ sessionId: delivery.sessionId, err: String(err) }, 'could not schedule follow-up of a delivered session');
        },
      );
  }

  private async markDelivered(attempt: Attempt, id: string, expiresAt: string): Promise<void> {
    attempt.delivered = true;
    // Credentials: the call ends by expiresAt. Key shape: the client may start it until the key expires.
    const startsBy = Math.max(Date.now(), Date.parse(expiresAt) || 0);
    attempt.releaseBy = attempt.plan.shape === 'credentials' ? Date.parse(expiresAt) : startsBy + attempt.plan.maxDuration * 1000;
    await this.options.journal?.delivered(id, attempt.releaseBy);
    // Credentials exist now and must reach the client: a registry hiccup must not lose them.
    await this.note(attempt, { status: 'delivered', deliveredAt: new Date().toISOString(), expiresAt }, 'delivered').catch((err: unknown) => {
      this.options.logger.warn({ sessionId: id, err: String(err) }, 'could not record delivery; delivering anyway');
    });
    this.options.logger.info({ sessionId: id, shape: attempt.plan.shape, ms: Math.round(attempt.elapsedMs()) }, 'session delivered');
  }

  /** 5. Whatever went wrong: free the slot, cancel upstream, record why, and tell the client. */
  private async fail(attempt: Attempt, err: unknown): Promise<AppError> {
    const failure = classify(err, { aborted: attempt.aborted, sessionId: attempt.sessionId, wasReady: attempt.readyMs !== undefined, readyTimeoutMs: this.options.readyTimeoutMs });
    if (failure.unexpected) this.options.logger.error({ err: describe(err), sessionId: attempt.sessionId }, 'unexpected error while starting a session');
    if (!attempt.delivered) {
      await this.options.admission.release(attempt.leaseId, attempt.plan.owner);
      if (attempt.sessionId) {
        this.cancelInBackground(attempt.sessionId, failure.cancelReason);
        const patch = { status: failure.status, endedAt: new Date().toISOString(), endReason: failure.error.code, failureCode: failure.error.failureCode };
        await this.note(attempt, patch, failure.status as SessionEventType, failure.error.code).catch((noteErr: unknown) => {
          this.options.logger.warn({ sessionId: attempt.sessionId, err: String(noteErr) }, 'could not record the failed session');
        });
      }
    }
    this.options.observer?.finished?.(failure.outcome, { readyMs: attempt.readyMs });
    return failure.error;
  }

  /** The response carrying credentials could not be written: nobody will join, so end it now. */
  abandon(sessionId: string): void {
    this.cancelInBackground(sessionId, 'undelivered');
    void this.endRecordPatiently(sessionId, 'undelivered');
  }

  /** Cancel on a caller's request (DELETE): aborts our own polling if still in flight. */
  async cancel(sessionId: string): Promise<void> {
    for (const attempt of this.attempts.keys()) if (attempt.sessionId === sessionId) attempt.abort('requested');
    await this.cancelUpstream(sessionId, 'requested');
    await this.endRecord(sessionId, 'requested');
  }

  private async endRecord(sessionId: string, reason: CancelReason): Promise<void> {
    const before = await this.options.registry.get(sessionId);
    const record = await this.options.registry.update(sessionId, { status: 'cancelled', endedAt: new Date().toISOString(), endReason: reason });
    if (!record) return;
    // A delivered session that we end is a call that ended; anything earlier never reached a client.
    this.events.emit(before?.status === 'delivered' ? 'ended' : 'cancelled', record, reason);
    if (record.leaseId) await this.options.follower.end({ sessionId, leaseId: record.leaseId, clientId: record.owner });
  }

  /** Off the request path, so a store outage must not surface as an unhandled rejection: retry a few times. */
  private async endRecordPatiently(sessionId: string, reason: CancelReason): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.endRecord(sessionId, reason);
      } catch (err) {
        if (attempt >= 4) {
          // The follower still finds the session CANCELLED upstream and frees its slot.
          this.options.logger.warn({ sessionId, err: String(err) }, 'could not record an abandoned session; the follower frees its slot');
          return;
        }
        await sleep(500 * 2 ** attempt);
      }
    }
  }

  /** Records a step in the registry and tells the listeners, with the freshest record we have. */
  private async note(attempt: Attempt, patch: Partial<SessionRecord>, event: SessionEventType, reason?: string): Promise<void> {
    if (!attempt.sessionId) return;
    if (attempt.record) attempt.record = { ...attempt.record, ...patch };
    let updated: SessionRecord | undefined;
    try {
      updated = await this.options.registry.update(attempt.sessionId, patch);
    } finally {
      const record = updated ?? attempt.record;
      if (record) this.events.emit(event, record, reason);
    }
  }

  /** 6. Never leave a session behind. Failures are retried and logged, never thrown at a caller. */
  private cancelInBackground(sessionId: string, reason: CancelReason): void {
    const done = background('session.cancel', { 'session.id': sessionId, 'session.cancel_reason': reason }, () => this.cancelUpstream(sessionId, reason)).finally(() => this.cancels.delete(done));
    this.cancels.add(done);
  }

  private async cancelUpstream(sessionId: string, reason: CancelReason): Promise<void> {
    const deadline = Date.now() + this.cancelBudgetMs;
    await this.options.journal?.cancelling(sessionId);
    try {
      const result = await this.options.sessions.cancel(sessionId, { deadline });
      await this.options.journal?.closed(sessionId);
      this.options.observer?.cancelled?.(reason, result);
      this.options.logger.info({ sessionId, reason, result }, 'session cancelled upstream');
    } catch (err) {
      // The journal still owes this cancel: the reaper retries it.
      this.options.observer?.cancelled?.(reason, 'failed');
      this.options.logger.error({ sessionId, reason, err: describe(err) }, 'could not cancel session upstream; the reaper will retry');
    }
  }

  /** Start refusing new sessions (503 SHUTTING_DOWN); in-flight ones carry on. */
  refuseNew(): void {
    this.draining = true;
  }

  /**
   * Refuse new work, let in-flight sessions finish within the grace period, then abort the rest and
   * wait for their cleanup: a create already sent is waited for (its id must be learned to cancel
   * it) and every cancel gets its budget. See shutdownBudgetMs for the worst case.
   */
  async drain(graceMs: number): Promise<void> {
    this.refuseNew();
    const poolDrained = this.options.pool?.drain(); // idle pooled sessions serve nobody: cancel them now
    const settled = () => Promise.allSettled([...this.attempts.values()]);
    await Promise.race([settled(), sleep(graceMs)]);
    for (const attempt of this.attempts.keys()) attempt.abort('shutdown');
    await settled();
    await Promise.allSettled([...this.cancels, poolDrained]);
  }

  /** The longest drain(graceMs) can take: grace, then a create still in flight, then its cancel. */
  shutdownBudgetMs(graceMs: number): number {
    return graceMs + this.createTimeoutMs + this.cancelBudgetMs + 1000;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  private get createTimeoutMs(): number {
    return this.options.createTimeoutMs ?? DEFAULT_CREATE_TIMEOUT_MS;
  }

  private get cancelBudgetMs(): number {
    return this.options.cancelBudgetMs ?? DEFAULT_CANCEL_BUDGET_MS;
  }

  private track(attempt: Attempt, run: Promise<unknown>): void {
    this.attempts.set(attempt, run);
    this.options.observer?.inflight?.(1);
  }

  private untrack(attempt: Attempt): void {
    this.attempts.delete(attempt);
    this.options.observer?.inflight?.(-1);
  }
}

function describe(err: unknown): { name?: string; message?: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { message: String(err) };
}
