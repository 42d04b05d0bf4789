import type { Store as RateLimitStore } from 'express-rate-limit';
import type { SessionRegistry } from './registry';
import type { TemplateStore } from './templates';

// Shared state behind interfaces: in memory for one process, in Redis for several replicas
// (store/redis.ts). Everything that must agree across replicas goes through these.

export type AdmissionResult = 'admitted' | 'client_full' | 'global_full';

/** Concurrency admission with leases, so a crashed holder's slots come back after `ttlMs`. */
export interface AdmissionStore {
  /** Atomically takes a slot if both the client's and the global count allow it. */
  acquire(lease: { id: string; clientId: string; clientLimit: number; globalLimit: number; ttlMs: number }): Promise<AdmissionResult>;
  /** Keeps a lease alive (the session is still running). */
  extend(leaseId: string, clientId: string, ttlMs: number): Promise<void>;
  release(leaseId: string, clientId: string): Promise<void>;
  /** Live leases, for one client or for everyone. */
  count(clientId?: string): Promise<number>;
}

export type IdempotencyRecord =
  /** `owner` names the one execution holding the claim (a random id, not a secret). */
  | { state: 'in_progress'; fingerprint: string; owner: string }
  | { state: 'delivered'; fingerprint: string; sessionId: string }
  | { state: 'failed'; fingerprint: string; status: number; body: Record<string, unknown>; retryAfter?: number };

/**
 * Idempotency-Key records. An in-progress claim is a short lease that its owner renews while it works,
 * so a crashed replica (or a `finish` lost to a store blip) frees the key within one lease, not a TTL.
 */
export interface IdempotencyStore {
  /** Claims the key for `leaseMs` under a new owner id, or returns what is already recorded under it. */
  claim(key: string, fingerprint: string, leaseMs: number): Promise<{ claimed: true; owner: string } | { claimed: false; record: IdempotencyRecord }>;
  /** Extends the owner's claim; false when it is no longer theirs (it lapsed, or another took the key). */
  renew(key: string, owner: string, leaseMs: number): Promise<boolean>;
  /**
   * Records the outcome for `ttlMs`. With `owner`, only while the claim is still theirs or has lapsed
   * with nobody else's record in its place, so a late finish never overwrites another execution's.
   */
  finish(key: string, record: IdempotencyRecord, ttlMs: number, owner?: string): Promise<void>;
  /** Forgets a claim (e.g. refused by admission). With `owner`, only that owner's in-progress claim. */
  forget(key: string, owner?: string): Promise<void>;
}

/** A delivered session that holds a concurrency slot until it ends upstream. */
export interface FollowedSession {
  sessionId: string;
  leaseId: string;
  clientId: string;
  /** Epoch ms after which the slot is released whatever Runway says (maxDuration + margin). */
  releaseBy: number;
}

/**
 * A due-time queue of followed sessions. `claimDue` hands each due session to exactly one caller for
 * `claimMs`; if that caller dies, the session falls due again and another replica takes it over.
 */
export interface FollowQueue {
  add(session: FollowedSession, dueAt: number): Promise<void>;
  claimDue(now: number, claimMs: number, max: number): Promise<FollowedSession[]>;
  reschedule(sessionId: string, dueAt: number): Promise<void>;
  remove(sessionId: string): Promise<void>;
}

/** The process that created an upstream session and answers for it until it reaches a client or ends. */
export interface ReplicaRef {
  /** Stable name of the replica (REPLICA_ID; hostname:port by default). */
  replicaId: string;
  /** This run of the process: a restarted replica has the same id and a new incarnation. */
  incarnation: string;
}

/**
 * An upstream session that must not be forgotten: written the moment Runway gives us its id, removed
 * once it reached a client (and the follower took it) or was cancelled. Whatever is left here by a
 * replica that stopped heartbeating is the reaper's to clean up. Never holds a sessionKey or token.
 */
export interface JournalEntry {
  sessionId: string;
  owner: ReplicaRef;
  /** Who the session was for (a client id, or the warm pool's owner id). */
  clientId: string;
  /** The concurrency lease it holds, freed when it is reaped. */
  leaseId?: string;
  /** pending: not delivered yet; delivered: the follower must watch it; cancelling: a cancel is owed. */
  state: 'pending' | 'delivered' | 'cancelling';
  /** Epoch ms of the last state change. */
  since: number;
  /** For delivered sessions: when its slot is released whatever Runway says. */
  releaseBy?: number;
}

export interface SessionJournal {
  put(entry: JournalEntry): Promise<void>;
  /** Moves an entry to another state; nothing happens when it is gone. */
  mark(sessionId: string, patch: Pick<JournalEntry, 'state'> & Partial<Pick<JournalEntry, 'releaseBy'>>): Promise<void>;
  remove(sessionId: string): Promise<void>;
  /** Removes and returns an entry atomically, so at most one reaper handles it. */
  take(sessionId: string): Promise<JournalEntry | undefined>;
  list(): Promise<JournalEntry[]>;
  /** This incarnation is alive for the next `ttlMs`. */
  beat(incarnation: string, ttlMs: number): Promise<void>;
  /** The incarnations among these whose heartbeat has not lapsed. */
  alive(incarnations: string[]): Promise<Set<string>>;
  /** A clean shutdown: this incarnation is gone now, not when its heartbeat lapses. */
  retire(incarnation: string): Promise<void>;
}

export interface Stores {
  kind: 'memory' | 'redis';
  registry: SessionRegistry;
  journal: SessionJournal;
  admission: AdmissionStore;
  idempotency: IdempotencyStore;
  follow: FollowQueue;
  budgets: BudgetStore;
  usage: UsageStore;
  /** API-defined session templates and used context tokens (src/templates). */
  templates: TemplateStore;
  /** A store for one express-rate-limit limiter; undefined = the limiter's own memory store. */
  rateLimit(prefix: string): RateLimitStore | undefined;
  /** True when the store can be used (always, in memory). */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

// Usage metering and budgets (issue 13). Both live in the shared store so every replica counts
// together and a budget holds across replicas.

/** One budget window of one subject (a client's day, an address's day, all anonymous callers' day…). */
export interface BudgetCounter {
  /** Stable key of the window, e.g. `c:key:acme:d:2026-11-30`. */
  key: string;
  /** Session-seconds allowed in the window; null = no limit. */
  limitSeconds: number | null;
  /** Sessions allowed in the window; null = no limit. */
  limitSessions: number | null;
  /** How long the counter must be kept (past the window's end). */
  ttlMs: number;
}

export type ReserveResult = { ok: true } | { ok: false; /** index of the first counter that would overflow */ refusedBy: number };

export interface BudgetUse {
  /** Settled seconds plus seconds still reserved by running or starting sessions. */
  seconds: number;
  sessions: number;
}

/**
 * Budget counters with reservations keyed by the admission lease. `reserve` checks every counter and
 * adds to all of them atomically, or to none. `release` refunds a reservation that never reached a
 * client; `settle` replaces the reserved seconds with the real ones. Both are idempotent.
 */
export interface BudgetStore {
  reserve(leaseId: string, counters: BudgetCounter[], seconds: number, holdMs: number): Promise<ReserveResult>;
  /** The session reached a client: a later release no longer refunds it (only settle changes it). */
  markDelivered(leaseId: string): Promise<void>;
  release(leaseId: string): Promise<void>;
  settle(leaseId: string, seconds: number): Promise<void>;
  read(keys: string[]): Promise<BudgetUse[]>;
  reset(keys: string[]): Promise<void>;
}

export const USAGE_METRICS = ['requested', 'delivered', 'failed', 'timedOut', 'sessionSeconds'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];

export interface UsageRow {
  day: string; // YYYY-MM-DD, UTC
  client: string;
  avatar: string;
  counts: Record<UsageMetric, number>;
}

/** Per-day usage counters by client and avatar, kept `retainMs`. */
export interface UsageStore {
  /** Adds to the counters; with `once`, only the first call with that key counts (across replicas). */
  add(day: string, client: string, avatar: string, counts: Partial<Record<UsageMetric, number>>, once?: string): Promise<void>;
  read(days: string[]): Promise<UsageRow[]>;
}

/**
 * Retention when a store is made without a configuration (tests, benches): the defaults of
 * USAGE_RETENTION_DAYS, and two days for once-markers. The broker passes store/index.ts retention().
 */
export const UNCONFIGURED_RETENTION = { usageRetainMs: 90 * 86_400_000, factRetainMs: 2 * 86_400_000 } as const;
