import type { Store as RateLimitStore } from 'express-rate-limit';
import type { SessionRegistry } from './registry';

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
  | { state: 'in_progress'; fingerprint: string }
  | { state: 'delivered'; fingerprint: string; sessionId: string }
  | { state: 'failed'; fingerprint: string; status: number; body: Record<string, unknown>; retryAfter?: number };

export interface IdempotencyStore {
  /** Claims the key for a new execution, or returns what is already recorded under it. */
  claim(key: string, fingerprint: string, ttlMs: number): Promise<{ claimed: true } | { claimed: false; record: IdempotencyRecord }>;
  finish(key: string, record: IdempotencyRecord, ttlMs: number): Promise<void>;
  /** Forgets a claim whose execution never reached Runway (e.g. refused by admission). */
  forget(key: string): Promise<void>;
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
  /** A store for one express-rate-limit limiter; undefined = the limiter's own memory store. */
  rateLimit(prefix: string): RateLimitStore | undefined;
  /** True when the store can be used (always, in memory). */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}
