import { AppError } from '../errors';
import type { Logger } from '../logger';
import { UpstreamAbortedError } from '../runway/errors';
import { sleep } from '../runway/retry';
import type { RealtimeSessionsApi, UpstreamSession } from '../runway/sessions';
import type { Admission } from './admission';
import { SessionEvents, type SessionEventType } from './events';
import type { SessionFollower } from './follower';
import { PollSchedule, type PollTuning } from './poll-schedule';
import type { SessionPlan } from './plan';
import { ReadinessModel } from './readiness-model';
import { background, pollEvent, pollingPhase, step } from './tracing';
import type { SessionRecord, SessionRegistry } from '../store/registry';

export type Delivery =
  | { shape: 'credentials'; sessionId: string; serverUrl: string; token: string; roomName: string; expiresAt: string; maxDuration: number }
  | { shape: 'sessionKey'; sessionId: string; sessionKey: string; expiresAt: string };

export type Outcome = 'delivered' | 'timeout' | 'failed' | 'cancelled' | 'client_closed' | 'shutdown' | 'error';
export type CancelReason = 'timeout' | 'client_closed' | 'session_ended' | 'consume_failed' | 'shutdown' | 'undelivered' | 'requested' | 'error';

/** Hooks for metrics; every one optional. */
export interface SessionObserver {
  inflight?(delta: 1 | -1): void;
  rejected?(code: string): void;
  polled?(): void;
  finished?(outcome: Outcome, timings: { readyMs?: number; credentialsMs?: number }): void;
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
  pollTuning?: PollTuning;
  /** How long a background cancel keeps retrying. */
  cancelBudgetMs?: number;
  observer?: SessionObserver;
  /** Lifecycle facts for listeners (usage, webhooks, tracing); a private one when not given. */
  events?: SessionEvents;
}

/** One client's request, from create to delivery. Aborts on deadline, disconnect or shutdown. */
class Attempt {
  readonly started = performance.now();
  readonly deadline: number;
  readonly controller = new AbortController();
  readonly requestedAt = new Date().toISOString();
  sessionId?: string;
  leaseId?: string;
  /** The last known record, for events when the registry cannot be read. */
  record?: SessionRecord;
  delivered = false;
  readyMs?: number;

  constructor(
    readonly plan: SessionPlan,
    clientSignal: AbortSignal,
    timeoutMs: number,
  ) {
    this.deadline = Date.now() + timeoutMs;
    const timer = setTimeout(() => this.controller.abort('timeout'), timeoutMs);
    timer.unref();
    this.controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    if (clientSignal.aborted) this.controller.abort('client_closed');
    else clientSignal.addEventListener('abort', () => this.controller.abort('client_closed'), { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
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
  private readonly attempts = new Set<Attempt>();
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
    const attempt = new Attempt(plan, clientSignal, this.options.readyTimeoutMs);
    attempt.leaseId = leaseId;
    this.track(attempt);
    try {
      const sessionId = await step('session.create', () => this.create(attempt));
      const ready = await pollingPhase(sessionId, () => this.waitUntilReady(attempt, sessionId));
      const delivery = await step('session.deliver', () => this.deliver(attempt, ready), { 'session.id': sessionId });
      await this.followUntilEnded(attempt, delivery);
      this.options.observer?.finished?.('delivered', { readyMs: attempt.readyMs, credentialsMs: attempt.elapsedMs() });
      return delivery;
    } catch (err) {
      const failure = this.explain(err, attempt);
      if (!attempt.delivered) {
        await this.options.admission.release(leaseId, plan.owner);
        if (attempt.sessionId) {
          this.cancelInBackground(attempt.sessionId, cancelReasonFor(attempt, failure));
          const patch = statusFor(failure);
          await this.note(attempt, patch, patch.status as SessionEventType, failure.code);
        }
      }
      this.options.observer?.finished?.(outcomeOf(attempt, failure), { readyMs: attempt.readyMs });
      throw failure;
    } finally {
      this.untrack(attempt);
    }
  }

  /** 0. Take a concurrency slot (per client and global) before spending anything upstream. */
  private async admit(plan: SessionPlan): Promise<string> {
    try {
      if (this.draining) throw new AppError('SHUTTING_DOWN', undefined, { retryAfter: 1 });
      return await this.options.admission.admit(plan.owner, plan.clientLimit);
    } catch (err) {
      if (err instanceof AppError) this.options.observer?.rejected?.(err.code);
      throw err;
    }
  }

  /** 1. Ask Runway for a session. Not tied to the client's signal: once sent, we must learn the id to clean up. */
  private async create(attempt: Attempt): Promise<string> {
    const { plan } = attempt;
    const { id } = await this.options.sessions.create(plan.params).catch((err: unknown) => {
      // On create, "no such resource" can only mean the avatar; Runway may also answer 400 for a custom
      // avatar that is unknown or still processing.
      if (err instanceof AppError && err.code === 'NOT_FOUND') throw new AppError('AVATAR_NOT_FOUND', undefined, { cause: err });
      if (err instanceof AppError && err.code === 'UPSTREAM_REJECTED' && plan.avatar.type === 'custom') {
        throw new AppError('UPSTREAM_REJECTED', 'Runway rejected the session; check that the custom avatar exists and is READY.', { cause: err });
      }
      throw err;
    });
    attempt.sessionId = id;
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
    const startsBy = Math.max(Date.now(), Date.parse(delivery.expiresAt) || 0);
    const releaseBy = delivery.shape === 'credentials' ? Date.parse(delivery.expiresAt) : startsBy + attempt.plan.maxDuration * 1000;
    await this.options.follower
      .follow({ sessionId: delivery.sessionId, leaseId: attempt.leaseId!, clientId: attempt.plan.owner, releaseBy })
      .catch((err: unknown) => {
        // Delivery already happened; the lease still expires by itself at its current deadline.
        this.options.logger.warn({ sessionId: delivery.sessionId, err: String(err) }, 'could not schedule follow-up of a delivered session');
      });
  }

  private async markDelivered(attempt: Attempt, id: string, expiresAt: string): Promise<void> {
    attempt.delivered = true;
    // Credentials exist now and must reach the client: a registry hiccup must not lose them.
    await this.note(attempt, { status: 'delivered', deliveredAt: new Date().toISOString(), expiresAt }, 'delivered').catch((err: unknown) => {
      this.options.logger.warn({ sessionId: id, err: String(err) }, 'could not record delivery; delivering anyway');
    });
    this.options.logger.info({ sessionId: id, shape: attempt.plan.shape, ms: Math.round(attempt.elapsedMs()) }, 'session delivered');
  }

  /** The response carrying credentials could not be written: nobody will join, so end it now. */
  abandon(sessionId: string): void {
    this.cancelInBackground(sessionId, 'undelivered');
    void this.endRecord(sessionId, 'undelivered');
  }

  /** Cancel on a caller's request (DELETE): aborts our own polling if still in flight. */
  async cancel(sessionId: string): Promise<void> {
    for (const attempt of this.attempts) if (attempt.sessionId === sessionId) attempt.controller.abort('requested');
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

  /** 5. Never leave a session behind. Failures are retried and logged, never thrown at a caller. */
  private cancelInBackground(sessionId: string, reason: CancelReason): void {
    const done = background('session.cancel', { 'session.id': sessionId, 'session.cancel_reason': reason }, () => this.cancelUpstream(sessionId, reason)).finally(() => this.cancels.delete(done));
    this.cancels.add(done);
  }

  private async cancelUpstream(sessionId: string, reason: CancelReason): Promise<void> {
    const deadline = Date.now() + (this.options.cancelBudgetMs ?? 15_000);
    try {
      const result = await this.options.sessions.cancel(sessionId, { deadline });
      this.options.observer?.cancelled?.(reason, result);
      this.options.logger.info({ sessionId, reason, result }, 'session cancelled upstream');
    } catch (err) {
      this.options.observer?.cancelled?.(reason, 'failed');
      this.options.logger.error({ sessionId, reason, err: describe(err) }, 'could not cancel session upstream; it may run until Runway expires it');
    }
  }

  /** Refuse new work, let in-flight sessions finish within the grace period, cancel the rest. */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    const deadline = Date.now() + graceMs;
    while (this.attempts.size > 0 && Date.now() < deadline) await sleep(Math.min(50, deadline - Date.now()));
    for (const attempt of this.attempts) attempt.controller.abort('shutdown');
    while (this.attempts.size > 0) await sleep(10);
    await Promise.allSettled([...this.cancels]);
  }

  get isDraining(): boolean {
    return this.draining;
  }

  private track(attempt: Attempt): void {
    this.attempts.add(attempt);
    this.options.observer?.inflight?.(1);
  }

  private untrack(attempt: Attempt): void {
    this.attempts.delete(attempt);
    this.options.observer?.inflight?.(-1);
  }

  /** Turns whatever stopped the attempt into the error the client should see. */
  private explain(err: unknown, attempt: Attempt): AppError {
    const reason = attempt.signal.aborted ? attempt.signal.reason : undefined;
    if (reason === 'timeout') {
      return new AppError('SESSION_TIMEOUT', `The avatar session was not ready within ${Math.round(this.options.readyTimeoutMs / 1000)} s.`, {
        retryAfter: 5,
        details: attempt.sessionId ? { sessionId: attempt.sessionId } : undefined,
      });
    }
    if (reason === 'client_closed') return new AppError('CLIENT_CLOSED_REQUEST');
    if (reason === 'shutdown') return new AppError('SHUTTING_DOWN', undefined, { retryAfter: 1 });
    if (reason === 'requested') return new AppError('SESSION_FAILED', 'The session was cancelled before it was ready.');
    if (err instanceof AppError) return err;
    if (err instanceof UpstreamAbortedError) return new AppError('UPSTREAM_UNAVAILABLE', undefined, { cause: err });
    this.options.logger.error({ err: describe(err), sessionId: attempt.sessionId }, 'unexpected error while starting a session');
    return new AppError('INTERNAL', undefined, { cause: err });
  }
}

function cancelReasonFor(attempt: Attempt, failure: AppError): CancelReason {
  const reason = attempt.signal.reason;
  if (reason === 'timeout' || reason === 'client_closed' || reason === 'shutdown' || reason === 'requested') return reason;
  if (failure.code === 'SESSION_FAILED') return 'session_ended';
  if (attempt.readyMs !== undefined) return 'consume_failed';
  return 'error';
}

function statusFor(failure: AppError): Partial<SessionRecord> {
  const status = failure.code === 'SESSION_TIMEOUT' ? 'timed_out' : failure.code === 'SESSION_FAILED' ? 'failed' : 'cancelled';
  return { status, endedAt: new Date().toISOString(), endReason: failure.code, failureCode: failure.failureCode };
}

function outcomeOf(attempt: Attempt, failure: AppError): Outcome {
  switch (attempt.signal.reason) {
    case 'timeout':
      return 'timeout';
    case 'client_closed':
      return 'client_closed';
    case 'shutdown':
      return 'shutdown';
    case 'requested':
      return 'cancelled';
  }
  return failure.code === 'SESSION_FAILED' ? 'failed' : 'error';
}

function describe(err: unknown): { name?: string; message?: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { message: String(err) };
}
