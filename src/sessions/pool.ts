import { AppError } from '../errors';
import type { Logger } from '../logger';
import { sleep } from '../runway/retry';
import type { RealtimeSessionsApi, UpstreamSession } from '../runway/sessions';
import type { AvatarRef } from '../store/registry';
import type { Admission } from './admission';
import type { Journal } from './journal';
import type { SessionPlan } from './plan';
import { PollSchedule, type PollTuning } from './poll-schedule';
import { poolAvatar, type PoolSettings, type PoolSize } from './pool-config';
import { ArrivalRate, autoSize, meanProvisioningMs } from './pool-sizing';
import { ReadinessModel } from './readiness-model';

// A warm pool: READY sessions created ahead of demand with the default plan, held unconsumed, and
// handed to at most one request each (the orchestrator consumes them). Every pooled session ends
// taken by one request or cancelled here: before its key expires, after the idle limit, when Runway
// says it is no longer READY, when its avatar leaves the configuration, to free a slot for a cold
// request, or at shutdown. Keys live only in this object's memory: never in the store, logs,
// metrics, events or anything but the one delivery.

/** Admission owner of pooled sessions: they count against the global cap, not any client's. */
export const POOL_OWNER = 'pool:';

export type RetireReason = 'expired' | 'failed' | 'evicted' | 'idle' | 'shutdown' | 'reconfigured';

/** Metrics hooks; `avatar` is a configured avatar id, or "other" for avatars added at run time. */
export interface PoolObserver {
  hit?(avatar: string): void;
  miss?(avatar: string): void;
  retired?(avatar: string, reason: RetireReason): void;
  idleSeconds?(avatar: string, seconds: number): void;
}

export interface WarmPoolOptions {
  sessions: RealtimeSessionsApi;
  admission: Admission;
  logger: Logger;
  settings: PoolSettings;
  readyTimeoutMs: number;
  expectedReadyMs: number;
  pollTuning?: PollTuning;
  observer?: PoolObserver;
  /** How long a cancel keeps retrying. */
  cancelBudgetMs?: number;
  /** Crash safety: pooled sessions are journaled under POOL_OWNER, so a dead replica's are reaped. */
  journal?: Journal;
}

/** A pooled READY session given to one request. */
export interface PooledTicket {
  id: string;
  avatar: AvatarRef;
  createdAt: string;
  readyAt: string;
  ready: Extract<UpstreamSession, { status: 'READY' }>;
}

export interface AvatarPoolState {
  avatarId: string;
  avatarType: AvatarRef['type'];
  /** What was asked for: a number, or "auto". */
  size: PoolSize;
  /** What the pool aims to hold now (auto: from arrivals and provisioning time). */
  target: number;
  idle: number;
  provisioning: number;
  hits: number;
  misses: number;
  /** Poolable requests per minute, decaying (what auto sizes from). */
  arrivalsPerMinute: number;
  /** Label used in metrics: the avatar id if configured at boot, else "other". */
  metricsLabel: string;
}

export interface PoolState {
  max: number;
  held: number;
  avatars: AvatarPoolState[];
}

const TICK_MS = 1000;
/** Idle sessions are asked about upstream at most this often (FAILED or gone early). */
const CHECK_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;
/** A replacement takes provisioning plus create, the poll that sees READY and the refill's wait for a tick. */
const REPLACEMENT_OVERHEAD_MS = 500;

class Held {
  id = '';
  leaseId = '';
  state: 'provisioning' | 'idle' = 'provisioning';
  createdAt = '';
  readyAt = 0;
  expiresAt = 0;
  checkedAt = 0;
  readonly controller = new AbortController();
  /** Settles when provisioning ends (READY or given up). */
  provisioned: Promise<void> = Promise.resolve();
  // A private field: never serialized, never logged.
  #ready?: Extract<UpstreamSession, { status: 'READY' }>;

  constructor(readonly avatar: AvatarRef) {}

  becameReady(ready: Extract<UpstreamSession, { status: 'READY' }>): void {
    this.#ready = ready;
    this.state = 'idle';
    this.readyAt = Date.now();
    this.checkedAt = this.readyAt;
    this.expiresAt = Date.parse(ready.expiresAt) || this.readyAt;
  }

  ticket(): PooledTicket {
    const ready = this.#ready!;
    this.#ready = undefined;
    return { id: this.id, avatar: this.avatar, createdAt: this.createdAt, readyAt: new Date(this.readyAt).toISOString(), ready };
  }
}

class AvatarPool {
  held: Held[] = [];
  readonly arrivals = new ArrivalRate();
  target = 0;
  hits = 0;
  misses = 0;
  failures = 0;
  backoffUntil = 0;

  constructor(
    readonly avatar: AvatarRef,
    public size: PoolSize,
    readonly label: string,
  ) {}

  get idle(): Held[] {
    return this.held.filter((h) => h.state === 'idle');
  }

  state(now: number): AvatarPoolState {
    const idle = this.idle.length;
    return {
      avatarId: this.avatar.id,
      avatarType: this.avatar.type,
      size: this.size,
      target: this.target,
      idle,
      provisioning: this.held.length - idle,
      hits: this.hits,
      misses: this.misses,
      arrivalsPerMinute: Math.round(this.arrivals.perSecond(now) * 60 * 100) / 100,
      metricsLabel: this.label,
    };
  }
}

export class WarmPool {
  private readonly pools = new Map<string, AvatarPool>();
  private readonly configured: ReadonlySet<string>;
  private readonly model: ReadinessModel;
  private readonly schedule: PollSchedule;
  private readonly pending = new Set<Promise<unknown>>();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private draining = false;

  constructor(private readonly options: WarmPoolOptions) {
    this.model = new ReadinessModel(options.expectedReadyMs);
    this.schedule = new PollSchedule(this.model, options.pollTuning);
    this.configured = new Set(options.settings.entries.map((e) => e.avatar.id));
    for (const { avatar, size } of options.settings.entries) this.pools.set(avatar.id, new AvatarPool(avatar, size, avatar.id));
  }

  start(): void {
    if (this.timer || this.draining) return;
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
    void this.tick();
  }

  /** Sessions this pool holds now (idle or provisioning). */
  get held(): number {
    let n = 0;
    for (const pool of this.pools.values()) n += pool.held.length;
    return n;
  }

  /** Only the default plan can use a pooled session: no personality, startScript or tools, default maxDuration. */
  poolable(plan: SessionPlan): boolean {
    const { params } = plan;
    return plan.maxDuration === this.options.settings.maxDuration && params.personality === undefined && params.startScript === undefined && params.tools === undefined;
  }

  /**
   * Hands one READY session to this request, or none. Synchronous, so no two requests can get the
   * same session. `first` is false when the request retries after a failed hand-over.
   */
  take(plan: SessionPlan, first = true, now = Date.now()): PooledTicket | undefined {
    if (this.draining || !this.poolable(plan)) return undefined;
    const pool = this.pools.get(plan.avatar.id);
    if (!pool) return undefined;
    if (first) pool.arrivals.record(now);
    const held = pool.idle.filter((h) => this.fresh(h, now)).sort((a, b) => a.expiresAt - b.expiresAt)[0];
    this.kick(pool);
    if (!held) {
      pool.misses++;
      this.options.observer?.miss?.(pool.label);
      return undefined;
    }
    this.takeOut(pool, held, now);
    pool.hits++;
    this.options.observer?.hit?.(pool.label);
    // The request's own lease covers the session from here on.
    this.track(this.options.admission.release(held.leaseId, POOL_OWNER));
    return held.ticket();
  }

  /** Before handing over a raw key (no consume to prove it), check Runway still has it READY. */
  async confirm(ticket: PooledTicket, signal: AbortSignal): Promise<void> {
    const now = await this.options.sessions.retrieve(ticket.id, { signal, deadline: Date.now() + 5000 });
    if (now.status !== 'READY') throw new AppError('SESSION_FAILED', `The pooled session is ${now.status}.`);
  }

  /** A taken session could not be handed over (the orchestrator cancels it); counted as failed. */
  handoverFailed(ticket: PooledTicket): void {
    const pool = this.pools.get(ticket.avatar.id);
    this.options.observer?.retired?.(pool?.label ?? 'other', 'failed');
  }

  /**
   * A cold request found the global cap full: give up one held session (idle first) so it can run.
   * Resolves once the upstream cancel and the slot's release are done; false if nothing to give.
   */
  async yieldSlot(): Promise<boolean> {
    let victim: { pool: AvatarPool; held: Held } | undefined;
    for (const pool of this.pools.values()) {
      for (const held of pool.held) {
        const better = !victim || (held.state === 'idle' && victim.held.state !== 'idle') || (held.state === victim.held.state && pool.held.length > victim.pool.held.length);
        if (better) victim = { pool, held };
      }
    }
    if (!victim) return false;
    victim.pool.backoffUntil = Math.max(victim.pool.backoffUntil, Date.now() + TICK_MS);
    await this.retire(victim.pool, victim.held, 'evicted');
    return true;
  }

  /** One pass: retire stale sessions, re-size, check held sessions upstream now and then, refill. Normally timer-driven. */
  async tick(now = Date.now(), options: { checkAll?: boolean } = {}): Promise<void> {
    if (this.ticking || this.draining) return;
    this.ticking = true;
    try {
      const { retireMarginMs, maxIdleMs } = this.options.settings;
      const checks: Promise<void>[] = [];
      for (const pool of this.pools.values()) {
        for (const held of pool.idle) {
          if (now >= held.expiresAt - retireMarginMs) void this.retire(pool, held, 'expired', now);
          else if (now - held.readyAt >= maxIdleMs) void this.retire(pool, held, 'idle', now);
          else if (options.checkAll || now - held.checkedAt >= CHECK_MS) checks.push(this.check(pool, held, now));
        }
        pool.target = this.targetOf(pool, now);
        this.trim(pool, now);
      }
      await Promise.all(checks);
      for (const pool of this.pools.values()) this.fill(pool, now);
    } finally {
      this.ticking = false;
    }
  }

  /** Sets one avatar's pool size at run time (an avatar not in WARM_POOL is added, labelled "other" in metrics). */
  resize(avatarId: string, size: PoolSize): AvatarPoolState {
    const avatar = poolAvatar(avatarId);
    if (typeof avatar === 'string') throw new AppError('INVALID_REQUEST', `avatarId ${avatar}.`, { issues: [{ path: 'avatarId', message: avatar }] });
    let pool = this.pools.get(avatar.id);
    if (!pool) {
      pool = new AvatarPool(avatar, size, this.configured.has(avatar.id) ? avatar.id : 'other');
      this.pools.set(avatar.id, pool);
    }
    pool.size = size;
    pool.backoffUntil = 0;
    const now = Date.now();
    pool.target = this.targetOf(pool, now);
    this.trim(pool, now);
    this.fill(pool, now);
    return pool.state(now);
  }

  /** Drains one avatar's pool and forgets it (its idle sessions are cancelled). False if it had none. */
  async remove(avatarId: string): Promise<boolean> {
    const pool = this.pools.get(avatarId.toLowerCase()) ?? this.pools.get(avatarId);
    if (!pool) return false;
    this.pools.delete(pool.avatar.id);
    await Promise.all(pool.held.map((held) => this.retire(pool, held, 'reconfigured')));
    return true;
  }

  state(now = Date.now()): PoolState {
    return { max: this.options.settings.maxTotal, held: this.held, avatars: [...this.pools.values()].map((pool) => pool.state(now)) };
  }

  /** Shutdown: no more refills; every held session is cancelled upstream and its slot released. */
  async drain(): Promise<void> {
    this.draining = true;
    clearInterval(this.timer);
    this.timer = undefined;
    for (const pool of this.pools.values()) for (const held of [...pool.held]) void this.retire(pool, held, 'shutdown');
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private fresh(held: Held, now: number): boolean {
    return now < held.expiresAt - this.options.settings.retireMarginMs && now - held.readyAt < this.options.settings.maxIdleMs;
  }

  private targetOf(pool: AvatarPool, now: number): number {
    const { maxTotal, targetHitRate, maxIdleMs } = this.options.settings;
    if (pool.size !== 'auto') return Math.min(pool.size, maxTotal);
    const replacementMs = meanProvisioningMs(this.model.medianMs, this.model.sigma) + REPLACEMENT_OVERHEAD_MS;
    return autoSize(pool.arrivals.perSecond(now), replacementMs, targetHitRate, maxTotal, maxIdleMs);
  }

  /**
   * Over target: retire idle sessions first, then provisioning ones. An auto pool whose estimate dips
   * keeps what it holds (takes, expiry and the idle limit drain it; cancelling a READY session only to
   * create another moments later is the waste to avoid) and trims only when it goes quiet (target 0).
   */
  private trim(pool: AvatarPool, now: number): void {
    if (pool.size === 'auto' && pool.target > 0) return;
    const excess = pool.held.length - pool.target;
    if (excess <= 0) return;
    const order = [...pool.idle.sort((a, b) => a.readyAt - b.readyAt), ...pool.held.filter((h) => h.state === 'provisioning')];
    for (const held of order.slice(0, excess)) void this.retire(pool, held, 'reconfigured', now);
  }

  /** Starts sessions up to the target, within WARM_POOL_MAX; after failures, waits (exponential back-off). */
  private fill(pool: AvatarPool, now = Date.now()): void {
    if (this.draining || now < pool.backoffUntil) return;
    while (pool.held.length < pool.target && this.held < this.options.settings.maxTotal) this.provision(pool);
  }

  /** Refill soon after a take, without waiting for the next tick. */
  private kick(pool: AvatarPool): void {
    setImmediate(() => {
      if (this.pools.get(pool.avatar.id) !== pool) return;
      pool.target = this.targetOf(pool, Date.now());
      this.fill(pool);
    });
  }

  private provision(pool: AvatarPool): void {
    const held = new Held(pool.avatar);
    pool.held.push(held);
    held.provisioned = this.track(this.bringUp(pool, held));
  }

  private async bringUp(pool: AvatarPool, held: Held): Promise<void> {
    const { admission, sessions, settings } = this.options;
    try {
      held.leaseId = await admission.admit(POOL_OWNER, settings.maxTotal, undefined, { mayEvict: false });
      held.controller.signal.throwIfAborted();
      const avatar = pool.avatar.type === 'runway-preset' ? { type: 'runway-preset' as const, presetId: pool.avatar.id as never } : { type: 'custom' as const, avatarId: pool.avatar.id };
      // Not tied to the abort signal: once sent, we must learn the id to clean up.
      const { id } = await sessions.create({ model: 'gwm1_avatars', avatar, maxDuration: settings.maxDuration });
      held.id = id;
      held.createdAt = new Date().toISOString();
      // If this replica dies from here on, another one's reaper cancels the session (not journaled = cancelled now).
      await this.options.journal?.opened(id, POOL_OWNER, held.leaseId);
      held.controller.signal.throwIfAborted();
      const ready = await this.waitUntilReady(held);
      held.becameReady(ready);
      // The slot stays ours until the key expires; a crashed replica's slot comes back after that.
      await admission.holdUntil(held.leaseId, POOL_OWNER, held.expiresAt).catch(() => undefined);
      pool.failures = 0;
      this.options.logger.debug({ sessionId: id, avatar: pool.avatar }, 'pooled session ready');
    } catch (err) {
      const retired = held.controller.signal.aborted;
      if (pool.held.includes(held)) this.takeOut(pool, held, Date.now());
      if (held.id) await this.cancelUpstream(held.id, retired ? String(held.controller.signal.reason) : 'failed');
      if (held.leaseId) await admission.release(held.leaseId, POOL_OWNER);
      if (!retired) {
        // No slot (or no store) is not a failure of Runway's: try again next tick. Anything else backs off.
        const refused = err instanceof AppError && ['CAPACITY_EXHAUSTED', 'CONCURRENCY_LIMIT', 'STORE_UNAVAILABLE'].includes(err.code);
        if (!refused) pool.failures++;
        pool.backoffUntil = Date.now() + (refused ? TICK_MS : Math.min(MAX_BACKOFF_MS, 500 * 2 ** pool.failures));
        if (!refused) this.options.observer?.retired?.(pool.label, 'failed');
        this.options.logger[refused ? 'debug' : 'warn']({ sessionId: held.id || undefined, avatar: pool.avatar, err: describe(err) }, 'could not add a session to the warm pool');
      }
    }
  }

  private async waitUntilReady(held: Held): Promise<Extract<UpstreamSession, { status: 'READY' }>> {
    const deadline = Date.now() + this.options.readyTimeoutMs;
    const signal = AbortSignal.any([held.controller.signal, AbortSignal.timeout(this.options.readyTimeoutMs)]);
    let provisioningSince = performance.now();
    let lastPollAt = provisioningSince;
    let queued = false;
    for (;;) {
      await sleep(this.schedule.nextDelay(performance.now() - provisioningSince, queued), signal);
      const session = await this.options.sessions.retrieve(held.id, { signal, deadline });
      const now = performance.now();
      if (session.status === 'READY') {
        this.model.observe((lastPollAt + now) / 2 - provisioningSince);
        return session;
      }
      if (session.status !== 'NOT_READY') throw new AppError('SESSION_FAILED', `A pooled session ended before it was ready (${session.status}).`);
      if ((session.queued === true) !== queued) provisioningSince = now;
      queued = session.queued === true;
      lastPollAt = now;
    }
  }

  /** Asks Runway whether an idle session is still READY; if not, it must never be handed out. */
  private async check(pool: AvatarPool, held: Held, now: number): Promise<void> {
    held.checkedAt = now;
    try {
      const upstream = await this.options.sessions.retrieve(held.id, { deadline: Date.now() + 5000 });
      if (upstream.status !== 'READY' && pool.held.includes(held)) await this.retire(pool, held, 'failed', now);
    } catch {
      // Unknown for now: checked again next time; a consume failure would still fall back.
    }
  }

  /** Takes a session out of the pool (idle time counted) and ends it: cancel upstream, free its slot. */
  private retire(pool: AvatarPool, held: Held, reason: RetireReason, now = Date.now()): Promise<void> {
    if (!pool.held.includes(held)) return Promise.resolve();
    this.options.observer?.retired?.(pool.label, reason);
    if (held.state === 'provisioning') {
      this.takeOut(pool, held, now);
      held.controller.abort(reason);
      return held.provisioned;
    }
    this.takeOut(pool, held, now);
    held.ticket(); // drops the key
    return this.track(
      (async () => {
        await this.cancelUpstream(held.id, reason);
        await this.options.admission.release(held.leaseId, POOL_OWNER);
      })(),
    );
  }

  private takeOut(pool: AvatarPool, held: Held, now: number): void {
    pool.held = pool.held.filter((h) => h !== held);
    if (held.state === 'idle') this.options.observer?.idleSeconds?.(pool.label, Math.max(0, now - held.readyAt) / 1000);
  }

  private async cancelUpstream(id: string, reason: string): Promise<void> {
    await this.options.journal?.cancelling(id);
    try {
      const result = await this.options.sessions.cancel(id, { deadline: Date.now() + (this.options.cancelBudgetMs ?? 15_000) });
      await this.options.journal?.closed(id);
      this.options.logger.info({ sessionId: id, reason, result }, 'pooled session cancelled');
    } catch (err) {
      this.options.logger.error({ sessionId: id, reason, err: describe(err) }, 'could not cancel a pooled session; the reaper will retry');
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
    return promise;
  }
}

function describe(err: unknown): { name?: string; message?: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { message: String(err) };
}
