import { createHash, randomUUID } from 'node:crypto';
import type { ClientRateLimitInfo, IncrementResponse, Options as RateLimitOptions, Store as RateLimitStore } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { FINISHED_STATUSES, type SessionRecord, type SessionRegistry } from './registry';
import { JOURNAL_MARK, JOURNAL_TAKE, RedisJournal } from './journal-redis';
import type { AdmissionResult, AdmissionStore, BudgetCounter, BudgetStore, BudgetUse, FollowedSession, FollowQueue, IdempotencyRecord, IdempotencyStore, ReserveResult, Stores, UsageMetric, UsageRow, UsageStore } from './types';
import { UNCONFIGURED_RETENTION, USAGE_METRICS } from './types';
import { RedisTemplateStore, TEMPLATE_REPLACE } from './templates-redis';

// Shared state for several replicas in one Redis (or Valkey). Every check-then-act runs as one Lua
// script, so it is atomic across replicas; everything else is a single command. Key layout (P = the
// prefix, REDIS_PREFIX; the {…} hash tags keep each script's keys in one slot):
//
//   P{adm}:all            sorted set of every lease, score = expiry (epoch ms, Redis' clock)
//   P{adm}:c:<clientId>   sorted set of one client's leases, same scores
//   P sess:<id>           a session record as JSON, PX = until it is evicted (as in memory)
//   P idem:<sha256>       an idempotency record as JSON, PX = IDEMPOTENCY_LEASE_MS while in progress
//                         (renewed by its owner), then IDEMPOTENCY_TTL_S once finished
//   P{follow}:due         sorted set of followed sessions, score = next due time (epoch ms)
//   P{follow}:data        hash sessionId → FollowedSession JSON
//   P rl:<limiter>:<client>  rate-limit counters (rate-limit-redis), PX = the window
//   P{journal}:entries, P hb:<incarnation>  the crash-safety journal (journal-redis.ts)
//
// Failure policy: the connection never queues commands while Redis is away (enableOfflineQueue:
// false) and every command has a deadline (commandTimeout), so a store call fails within about
// REDIS_COMMAND_TIMEOUT_MS instead of hanging; every failure surfaces as AppError STORE_UNAVAILABLE
// (503). ioredis reconnects with capped backoff; the outage is logged once when it starts and once
// when it ends.

export interface RedisStoresOptions {
  url: string;
  prefix: string;
  /** Deadline of one command. */
  commandTimeoutMs: number;
  /** How long a finished session's record stays readable (SESSION_RECORD_TTL_S). */
  recordRetainMs: number;
  logger: Logger;
  /** Longest pause between reconnection attempts (default 2 s). */
  maxReconnectDelayMs?: number;
  /** How long per-day usage counters are kept (USAGE_RETENTION_DAYS; default UNCONFIGURED_RETENTION). */
  usageRetainMs?: number;
  /** How long a metered fact's once-marker is kept (store/index.ts retention(); default UNCONFIGURED_RETENTION). */
  factRetainMs?: number;
}

export interface RedisStores extends Stores {
  kind: 'redis';
  /** The one connection every store of this process shares (for tests and benchmarks). */
  redis: Redis;
}

interface LuaScript {
  source: string;
  sha: string;
}

const lua = (source: string): LuaScript => ({ source, sha: sha1(source) });

/** A positive whole number of milliseconds, as PX wants it. */
const ms = (value: number): number => Math.max(1, Math.ceil(value));

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

// Redis' own clock, so that replicas whose clocks disagree still agree on which leases expired.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
// Keeps a lease set alive at least as long as its longest lease (idle sets vanish by themselves).
const KEEP = `local function keep(key, ttl) if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end end`;

/** KEYS: all, client. ARGV: leaseId, clientLimit, globalLimit, ttlMs. */
const ACQUIRE = lua(`${NOW} ${KEEP}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 'global_full' end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 'client_full' end
local ttl = tonumber(ARGV[4])
local expiry = string.format('%d', now + ttl)
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
redis.call('ZADD', KEYS[2], expiry, ARGV[1])
keep(KEYS[1], ttl) keep(KEYS[2], ttl)
return 'admitted'`);

/** KEYS: all, client. ARGV: leaseId, ttlMs. A lease that already expired is not revived. */
const EXTEND = lua(`${NOW} ${KEEP}
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) <= now then return 0 end
local ttl = tonumber(ARGV[2])
local expiry = string.format('%d', now + ttl)
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
redis.call('ZADD', KEYS[2], expiry, ARGV[1])
keep(KEYS[1], ttl) keep(KEYS[2], ttl)
return 1`);

/** KEYS: a lease set. */
const COUNT = lua(`${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`);

/** KEYS: key. ARGV: in-progress record, leaseMs. Returns nothing when claimed, else the record there. */
const CLAIM = lua(`if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])`);

// True when KEYS[1] holds an in-progress claim of owner ARGV[1].
const OWNED = `local function owned() local v = redis.call('GET', KEYS[1]) if not v then return false end
local r = cjson.decode(v) return r.state == 'in_progress' and r.owner == ARGV[1] end`;

/** KEYS: key. ARGV: owner, leaseMs. */
const RENEW = lua(`${OWNED}
if not owned() then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`);

/** KEYS: key. ARGV: owner, record, ttlMs. Writes while the claim is the owner's or nothing is there. */
const FINISH = lua(`${OWNED}
if redis.call('EXISTS', KEYS[1]) == 1 and not owned() then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`);

/** KEYS: key. ARGV: owner. */
const FORGET = lua(`${OWNED}
if not owned() then return 0 end
redis.call('DEL', KEYS[1])
return 1`);

/** KEYS: key. ARGV: expected value, new value, ttlMs (<= 0: delete). Compare-and-set. */
const REPLACE = lua(`if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) else redis.call('DEL', KEYS[1]) end
return 1`);

/** KEYS: due, data. ARGV: now, next due time of a claimed session, max. */
const CLAIM_DUE = lua(`local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local claimed = {}
for _, id in ipairs(ids) do
  local session = redis.call('HGET', KEYS[2], id)
  if session then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    claimed[#claimed + 1] = session
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return claimed`);

/** KEYS: due, data. ARGV: sessionId, session JSON, dueAt. */
const FOLLOW_ADD = lua(`redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1`);

/** The shared connection: scripts, error mapping, outage logging, health. */
class Connection {
  readonly client: Redis;
  private down = false;
  private closing = false;
  private connectedOnce = false;

  constructor(private readonly options: RedisStoresOptions) {
    const maxDelay = options.maxReconnectDelayMs ?? 2000;
    this.client = new Redis(options.url, {
      enableOfflineQueue: false, // no Redis, no waiting: fail now, answer 503
      commandTimeout: options.commandTimeoutMs,
      maxRetriesPerRequest: 1,
      autoResendUnfulfilledCommands: false, // a command that timed out for its caller must not run later
      connectTimeout: Math.max(2000, options.commandTimeoutMs * 2),
      retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 10), maxDelay) + Math.floor(Math.random() * 100),
      connectionName: 'characters-broker',
    });
    this.client.on('ready', () => this.markUp());
    this.client.on('error', (err: Error) => this.markDown(err));
    this.client.on('close', () => this.markDown());
  }

  /** Runs a store operation; any failure becomes STORE_UNAVAILABLE. */
  async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      const result = await operation();
      if (this.down && this.client.status === 'ready') this.markUp();
      return result;
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (isReplyError(err)) this.options.logger.error({ err: String(err) }, 'Redis refused a store command');
      // A command during the first connection attempt is refused (no offline queue) but Redis is not
      // "down" yet: 'error'/'close' say so if that attempt fails. Otherwise a busy boot logged down + back.
      else if (this.connectedOnce || !['connecting', 'connect'].includes(this.client.status)) this.markDown(err);
      throw new AppError('STORE_UNAVAILABLE', undefined, { retryAfter: 2, cause: err });
    }
  }

  /** EVALSHA, loading the script on NOSCRIPT (a restarted or flushed Redis). */
  async run(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !/^NOSCRIPT\b/.test(err.message)) throw err;
      return this.client.eval(script.source, keys.length, ...keys, ...args);
    }
  }

  async healthy(): Promise<boolean> {
    if (this.client.status !== 'ready') return false;
    try {
      return (await this.client.ping()) === 'PONG';
    } catch (err) {
      this.markDown(err);
      return false;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private markUp(): void {
    if (this.down) {
      this.down = false;
      this.options.logger.info('shared store back: Redis is reachable again');
    } else if (!this.connectedOnce) {
      this.options.logger.info({ redis: redactUrl(this.options.url) }, 'shared store connected (Redis)');
    }
    this.connectedOnce = true;
  }

  private markDown(err?: unknown): void {
    if (this.down || this.closing) return;
    this.down = true;
    this.options.logger.warn(
      { redis: redactUrl(this.options.url), ...(err ? { err: String(err) } : {}) },
      'shared store down: Redis is unreachable; session creation answers 503 STORE_UNAVAILABLE until it is back',
    );
  }
}

function isReplyError(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError';
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable]';
  }
}

export class RedisAdmission implements AdmissionStore {
  constructor(
    private readonly conn: Connection,
    private readonly prefix: string,
  ) {}

  acquire(lease: { id: string; clientId: string; clientLimit: number; globalLimit: number; ttlMs: number }): Promise<AdmissionResult> {
    return this.conn.guard(async () => {
      const result = await this.conn.run(ACQUIRE, [this.all, this.client(lease.clientId)], [lease.id, lease.clientLimit, lease.globalLimit, Math.max(1, Math.ceil(lease.ttlMs))]);
      if (result !== 'admitted' && result !== 'client_full' && result !== 'global_full') throw new Error(`unexpected admission reply ${String(result)}`);
      return result;
    });
  }

  extend(leaseId: string, clientId: string, ttlMs: number): Promise<void> {
    return this.conn.guard(async () => {
      await this.conn.run(EXTEND, [this.all, this.client(clientId)], [leaseId, Math.max(1, Math.ceil(ttlMs))]);
    });
  }

  release(leaseId: string, clientId: string): Promise<void> {
    return this.conn.guard(async () => {
      await this.conn.client.multi().zrem(this.all, leaseId).zrem(this.client(clientId), leaseId).exec();
    });
  }

  count(clientId?: string): Promise<number> {
    return this.conn.guard(async () => Number(await this.conn.run(COUNT, [clientId === undefined ? this.all : this.client(clientId)], [])));
  }

  private get all(): string {
    return `${this.prefix}{adm}:all`;
  }

  private client(clientId: string): string {
    return `${this.prefix}{adm}:c:${clientId}`;
  }
}

export class RedisIdempotency implements IdempotencyStore {
  constructor(
    private readonly conn: Connection,
    private readonly prefix: string,
  ) {}

  claim(key: string, fingerprint: string, leaseMs: number): Promise<{ claimed: true; owner: string } | { claimed: false; record: IdempotencyRecord }> {
    return this.conn.guard(async () => {
      const owner = randomUUID();
      const record: IdempotencyRecord = { state: 'in_progress', fingerprint, owner };
      const existing = await this.conn.run(CLAIM, [this.key(key)], [JSON.stringify(record), ms(leaseMs)]);
      if (existing === null || existing === undefined) return { claimed: true as const, owner };
      return { claimed: false as const, record: JSON.parse(String(existing)) as IdempotencyRecord };
    });
  }

  renew(key: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.conn.guard(async () => (await this.conn.run(RENEW, [this.key(key)], [owner, ms(leaseMs)])) === 1);
  }

  finish(key: string, record: IdempotencyRecord, ttlMs: number, owner?: string): Promise<void> {
    return this.conn.guard(async () => {
      if (owner === undefined) await this.conn.client.set(this.key(key), JSON.stringify(record), 'PX', ms(ttlMs));
      else await this.conn.run(FINISH, [this.key(key)], [owner, JSON.stringify(record), ms(ttlMs)]);
    });
  }

  forget(key: string, owner?: string): Promise<void> {
    return this.conn.guard(async () => {
      if (owner === undefined) await this.conn.client.del(this.key(key));
      else await this.conn.run(FORGET, [this.key(key)], [owner]);
    });
  }

  // Keys hold a client id and a caller's string: hashed, they have a fixed length and no odd bytes.
  private key(key: string): string {
    return `${this.prefix}idem:${createHash('sha256').update(key).digest('hex')}`;
  }
}

export class RedisFollowQueue implements FollowQueue {
  constructor(
    private readonly conn: Connection,
    private readonly prefix: string,
  ) {}

  add(session: FollowedSession, dueAt: number): Promise<void> {
    return this.conn.guard(async () => {
      await this.conn.run(FOLLOW_ADD, this.keys, [session.sessionId, JSON.stringify(session), String(dueAt)]);
    });
  }

  claimDue(now: number, claimMs: number, max: number): Promise<FollowedSession[]> {
    return this.conn.guard(async () => {
      const claimed = (await this.conn.run(CLAIM_DUE, this.keys, [String(now), String(now + claimMs), Math.max(0, Math.floor(max))])) as string[];
      return claimed.map((json) => JSON.parse(json) as FollowedSession);
    });
  }

  reschedule(sessionId: string, dueAt: number): Promise<void> {
    return this.conn.guard(async () => {
      await this.conn.client.zadd(this.keys[0]!, 'XX', String(dueAt), sessionId);
    });
  }

  remove(sessionId: string): Promise<void> {
    return this.conn.guard(async () => {
      await this.conn.client.multi().zrem(this.keys[0]!, sessionId).hdel(this.keys[1]!, sessionId).exec();
    });
  }

  private get keys(): [string, string] {
    return [`${this.prefix}{follow}:due`, `${this.prefix}{follow}:data`];
  }
}

/** Session records as JSON with a TTL; updates are compare-and-set, so replicas never lose each other's writes. */
export class RedisSessionRegistry implements SessionRegistry {
  constructor(
    private readonly conn: Connection,
    private readonly prefix: string,
    private readonly retainMs: number,
  ) {}

  put(record: SessionRecord): Promise<void> {
    return this.conn.guard(async () => {
      const ttl = this.ttlOf(record);
      if (ttl > 0) await this.conn.client.set(this.key(record.id), JSON.stringify(record), 'PX', ttl);
      else await this.conn.client.del(this.key(record.id));
    });
  }

  get(id: string): Promise<SessionRecord | undefined> {
    return this.conn.guard(async () => {
      const json = await this.conn.client.get(this.key(id));
      return json === null ? undefined : (JSON.parse(json) as SessionRecord);
    });
  }

  update(id: string, patch: Partial<SessionRecord>): Promise<SessionRecord | undefined> {
    return this.conn.guard(async () => {
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const before = await this.conn.client.get(this.key(id));
        if (before === null) return undefined;
        const record: SessionRecord = { ...(JSON.parse(before) as SessionRecord), ...patch, id };
        const after = JSON.stringify(record);
        if (Number(await this.conn.run(REPLACE, [this.key(id)], [before, after, this.ttlOf(record)])) === 1) return record;
      }
      throw new Error(`session record ${id} kept changing under concurrent updates`);
    });
  }

  async close(): Promise<void> {
    // The connection is shared; Stores.close() ends it.
  }

  private key(id: string): string {
    return `${this.prefix}sess:${id}`;
  }

  // The same lifetime as MemorySessionRegistry: retainMs after the session can no longer be running.
  private ttlOf(record: SessionRecord): number {
    const running = FINISHED_STATUSES.has(record.status) ? 0 : record.maxDuration * 1000;
    const from = Date.parse(record.endedAt ?? record.deliveredAt ?? record.createdAt);
    return Math.ceil(from + running + this.retainMs - Date.now());
  }
}

/**
 * express-rate-limit's Redis store over our connection. Its scripts are run with EVALSHA and loaded
 * on NOSCRIPT by us, so neither a Redis that is down at boot nor one that restarts empty leaves the
 * store holding a failed script load; its errors become STORE_UNAVAILABLE.
 */
class RedisRateLimit implements RateLimitStore {
  readonly localKeys = false;
  readonly prefix: string;
  private readonly inner: RedisStore;
  private readonly scripts = new Map<string, LuaScript>();

  constructor(
    private readonly conn: Connection,
    prefix: string,
  ) {
    this.prefix = prefix;
    this.inner = new RedisStore({ prefix, sendCommand: (...args: string[]) => this.send(args) });
  }

  init(options: RateLimitOptions): Promise<void> {
    return this.inner.init(options);
  }

  get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.conn.guard(() => this.inner.get(key));
  }

  increment(key: string): Promise<IncrementResponse> {
    return this.conn.guard(() => this.inner.increment(key));
  }

  decrement(key: string): Promise<void> {
    return this.conn.guard(() => this.inner.decrement(key));
  }

  resetKey(key: string): Promise<void> {
    return this.conn.guard(() => this.inner.resetKey(key));
  }

  private async send([command, ...args]: string[]): Promise<RedisReply> {
    const name = command?.toUpperCase();
    if (name === 'SCRIPT' && args[0]?.toUpperCase() === 'LOAD' && args[1] !== undefined) {
      const script = lua(args[1]);
      this.scripts.set(script.sha, script);
      return script.sha; // loaded on first use (below), so this never needs Redis
    }
    if (name === 'EVALSHA' && args[0] !== undefined && this.scripts.has(args[0])) {
      const [sha, numKeys, ...rest] = args;
      const keys = rest.slice(0, Number(numKeys));
      return (await this.conn.run(this.scripts.get(sha!)!, keys, rest.slice(keys.length))) as RedisReply;
    }
    return (await this.conn.client.call(command!, ...args)) as RedisReply;
  }
}

// --- Usage metering and budgets (issue 13) ---------------------------------------------------
//
//   P{bud}:<counter key>   hash {s: session-seconds, n: sessions} of one budget window, PX = past its end
//   P{bud}:r:<leaseId>     hash {s: reserved seconds, d: delivered 0/1, k: JSON list of counter keys}
//   P{usage}:<YYYY-MM-DD>  hash "<client>\n<avatar>\n<metric>" → count, PX = USAGE_RETENTION_DAYS
//   P{usage}:once:<id>     marks an event already metered (another replica may emit it too), PX = factRetainMs

/** KEYS: counters…, reservation. ARGV: seconds, holdMs, then limitSeconds, limitSessions, ttlMs per counter (-1 = none). */
const BUDGET_RESERVE = lua(`${KEEP}
local n = #KEYS - 1
local secs = tonumber(ARGV[1])
for i = 1, n do
  local ls = tonumber(ARGV[3 * i]) local ln = tonumber(ARGV[3 * i + 1])
  local v = redis.call('HMGET', KEYS[i], 's', 'n')
  local s = tonumber(v[1] or '0') local c = tonumber(v[2] or '0')
  if ls >= 0 and s + secs > ls then return i end
  if ln >= 0 and c + 1 > ln then return i end
end
local keys = {}
for i = 1, n do
  redis.call('HINCRBY', KEYS[i], 's', secs)
  redis.call('HINCRBY', KEYS[i], 'n', 1)
  keep(KEYS[i], tonumber(ARGV[3 * i + 2]))
  keys[i] = KEYS[i]
end
redis.call('HSET', KEYS[n + 1], 's', secs, 'd', 0, 'k', cjson.encode(keys))
redis.call('PEXPIRE', KEYS[n + 1], tonumber(ARGV[2]))
return 0`);

// Counters that were reset or expired are not brought back by a late refund, and never go negative.
const ADJUST = `local function adjust(keys, secs, sessions)
  for _, k in ipairs(keys) do
    if redis.call('EXISTS', k) == 1 then
      if redis.call('HINCRBY', k, 's', secs) < 0 then redis.call('HSET', k, 's', 0) end
      if redis.call('HINCRBY', k, 'n', sessions) < 0 then redis.call('HSET', k, 'n', 0) end
    end
  end
end`;

/** KEYS: reservation. ARGV: mode (release | settle | deliver), seconds (settle). */
const BUDGET_FINISH = lua(`${ADJUST}
local r = redis.call('HMGET', KEYS[1], 's', 'd', 'k')
if not r[1] then return 0 end
if ARGV[1] == 'deliver' then redis.call('HSET', KEYS[1], 'd', 1) return 1 end
if ARGV[1] == 'release' then
  if r[2] == '1' then return 0 end
  adjust(cjson.decode(r[3]), -tonumber(r[1]), -1)
else
  adjust(cjson.decode(r[3]), tonumber(ARGV[2]) - tonumber(r[1]), 0)
end
redis.call('DEL', KEYS[1])
return 1`);

/** KEYS: day hash, once-marker (or the day hash again when none). ARGV: retainMs, once (0/1), onceMs, field, n, field, n… */
const USAGE_ADD = lua(`if ARGV[2] == '1' and not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then return 0 end
for i = 4, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`);

export class RedisBudgets implements BudgetStore {
  constructor(
    private readonly conn: Connection,
    private readonly prefix: string,
  ) {}

  reserve(leaseId: string, counters: BudgetCounter[], seconds: number, holdMs: number): Promise<ReserveResult> {
    return this.conn.guard(async () => {
      const keys = [...counters.map((c) => this.key(c.key)), this.reservation(leaseId)];
      const args = [Math.ceil(seconds), Math.max(1, Math.ceil(holdMs)), ...counters.flatMap((c) => [c.limitSeconds ?? -1, c.limitSessions ?? -1, Math.max(1, Math.ceil(c.ttlMs))])];
      const refused = Number(await this.conn.run(BUDGET_RESERVE, keys, args));
      return refused === 0 ? { ok: true as const } : { ok: false as const, refusedBy: refused - 1 };
    });
  }

  markDelivered(leaseId: string): Promise<void> {
    return this.finish(leaseId, 'deliver', 0);
  }

  release(leaseId: string): Promise<void> {
    return this.finish(leaseId, 'release', 0);
  }

  settle(leaseId: string, seconds: number): Promise<void> {
    return this.finish(leaseId, 'settle', Math.ceil(seconds));
  }

  read(keys: string[]): Promise<BudgetUse[]> {
    return this.conn.guard(async () => {
      const pipeline = this.conn.client.pipeline();
      for (const key of keys) pipeline.hmget(this.key(key), 's', 'n');
      const replies = (await pipeline.exec()) ?? [];
      return replies.map(([err, value]) => {
        if (err) throw err;
        const [s, n] = value as (string | null)[];
        return { seconds: Number(s ?? 0), sessions: Number(n ?? 0) };
      });
    });
  }

  reset(keys: string[]): Promise<void> {
    return this.conn.guard(async () => {
      if (keys.length) await this.conn.client.del(...keys.map((k) => this.key(k)));
    });
  }

  private finish(leaseId: string, mode: 'deliver' | 'release' | 'settle', seconds: number): Promise<void> {
    return this.conn.guard(async () => {
      await this.conn.run(BUDGET_FINISH, [this.reservation(leaseId)], [mode, seconds]);
    });
  }

  private key(key: string): string {
    return `${this.prefix}{bud}:${key}`;
  }

  private reservation(leaseId: string): string {
    return `${this.prefix}{bud}:r:${leaseId}`;
  }
}

export class RedisUsage implements UsageStore {
  constructor(
    private readonly conn: Connection,
    private readonly prefix: string,
    private readonly retainMs: number,
    private readonly factRetainMs: number,
  ) {}

  add(day: string, client: string, avatar: string, counts: Partial<Record<UsageMetric, number>>, once?: string): Promise<void> {
    return this.conn.guard(async () => {
      const fields = Object.entries(counts).flatMap(([metric, n]) => [`${clean(client)}\n${clean(avatar)}\n${metric}`, Math.round(n ?? 0)]);
      const dayKey = `${this.prefix}{usage}:${day}`;
      const onceKey = once === undefined ? dayKey : `${this.prefix}{usage}:once:${createHash('sha256').update(once).digest('hex')}`;
      await this.conn.run(USAGE_ADD, [dayKey, onceKey], [Math.ceil(this.retainMs), once === undefined ? 0 : 1, Math.ceil(this.factRetainMs), ...fields]);
    });
  }

  read(days: string[]): Promise<UsageRow[]> {
    return this.conn.guard(async () => {
      const pipeline = this.conn.client.pipeline();
      for (const day of days) pipeline.hgetall(`${this.prefix}{usage}:${day}`);
      const replies = (await pipeline.exec()) ?? [];
      const rows: UsageRow[] = [];
      replies.forEach(([err, value], i) => {
        if (err) throw err;
        const byId = new Map<string, UsageRow>();
        for (const [field, count] of Object.entries(value as Record<string, string>)) {
          const [client, avatar, metric] = field.split('\n') as [string, string, UsageMetric];
          if (!USAGE_METRICS.includes(metric)) continue;
          const id = `${client}\n${avatar}`;
          const row = byId.get(id) ?? { day: days[i]!, client, avatar, counts: Object.fromEntries(USAGE_METRICS.map((m) => [m, 0])) as Record<UsageMetric, number> };
          row.counts[metric] = Number(count);
          byId.set(id, row);
        }
        rows.push(...byId.values());
      });
      return rows;
    });
  }
}

/** Our field separator must not appear inside a name (a JWT subject could hold anything). */
function clean(part: string): string {
  return part.replace(/\n/g, ' ');
}

/** Every store in one Redis, over one connection that starts connecting now (never blocks boot). */
export function createRedisStores(options: RedisStoresOptions): RedisStores {
  const conn = new Connection(options);
  const { prefix } = options;
  return {
    kind: 'redis',
    redis: conn.client,
    registry: new RedisSessionRegistry(conn, prefix, options.recordRetainMs),
    admission: new RedisAdmission(conn, prefix),
    idempotency: new RedisIdempotency(conn, prefix),
    follow: new RedisFollowQueue(conn, prefix),
    journal: new RedisJournal(conn, prefix, { mark: lua(JOURNAL_MARK), take: lua(JOURNAL_TAKE) }),
    budgets: new RedisBudgets(conn, prefix),
    usage: new RedisUsage(conn, prefix, options.usageRetainMs ?? UNCONFIGURED_RETENTION.usageRetainMs, options.factRetainMs ?? UNCONFIGURED_RETENTION.factRetainMs),
    templates: new RedisTemplateStore(conn, prefix, { replace: lua(TEMPLATE_REPLACE) }),
    rateLimit: (limiterPrefix) => new RedisRateLimit(conn, `${prefix}${limiterPrefix}`),
    healthy: () => conn.healthy(),
    close: () => conn.close(),
  };
}
