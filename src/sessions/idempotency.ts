import { createHash } from 'node:crypto';
import { AppError, type ErrorCode } from '../errors';
import type { IdempotencyRecord, IdempotencyStore } from '../store/types';
import type { Delivery } from './orchestrator';

// Idempotency-Key on session creation (draft-ietf-httpapi-idempotency-key-header): the key is scoped
// to the client, fingerprinted with the request, and claimed once execution begins. A retry while
// the first is running is a 409; the same key with another body is a 422; after delivery the answer
// is 409 CREDENTIALS_ALREADY_DELIVERED with the sessionId, because one-time credentials are never
// replayed.
//
// Only answers about the request itself are remembered and replayed (Runway refused it, or ran it
// and it failed). Outcomes that say nothing about the request (the client hung up, we were full,
// shutting down, rate limited, Runway or our store was unavailable, Runway too slow or garbled, our
// own bug) are forgotten, so a retry with the same key, which is what the header is for, starts afresh.
//
// The claim is a short lease (IDEMPOTENCY_LEASE_MS) renewed while the execution runs: if this process
// dies, or cannot record the outcome, the key frees itself within one lease instead of a whole TTL.

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
const REMEMBERED = new Set<ErrorCode>(['SESSION_FAILED', 'UPSTREAM_REJECTED', 'AVATAR_NOT_FOUND', 'INVALID_REQUEST', 'FORBIDDEN', 'AVATAR_NOT_ALLOWED', 'OVERRIDE_NOT_ALLOWED']);

/** Whether a failed execution's answer is replayed to retries (else the key is forgotten). */
export function isRemembered(code: ErrorCode): boolean {
  return REMEMBERED.has(code);
}

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export interface IdempotencyScope {
  clientId: string;
  key: string;
  fingerprint: string;
  /** How long a finished outcome is remembered. */
  ttlMs: number;
  /** How long an in-progress claim lives without renewal; renewed every third of it. */
  leaseMs: number;
  /** The client's request: if it is gone when the session is ready, nothing was delivered. */
  signal?: AbortSignal;
}

export async function withIdempotency(store: IdempotencyStore, scope: IdempotencyScope, run: () => Promise<Delivery>): Promise<Delivery> {
  if (!KEY_FORMAT.test(scope.key)) {
    throw new AppError('INVALID_REQUEST', 'Idempotency-Key must be 1-255 visible ASCII characters (a UUID is ideal).');
  }
  const key = `${scope.clientId}\u0000${scope.key}`;
  const claim = await store.claim(key, scope.fingerprint, scope.leaseMs).catch((err: unknown) => {
    throw new AppError('STORE_UNAVAILABLE', undefined, { retryAfter: 2, cause: err });
  });
  if (!claim.claimed) throw replay(claim.record, scope.fingerprint);
  const { owner } = claim;

  // A renewal lost to a store blip is retried on the next tick; the lease outlives two misses.
  const renewal = setInterval(() => void store.renew(key, owner, scope.leaseMs).catch(() => undefined), Math.max(1, Math.floor(scope.leaseMs / 3)));
  renewal.unref();
  let outcome: IdempotencyRecord | undefined;
  try {
    const delivery = await run();
    // A client that left before its credentials could be written gets none (the session is
    // abandoned), so its retry must start afresh rather than hear "already delivered".
    if (!scope.signal?.aborted) outcome = { state: 'delivered', fingerprint: scope.fingerprint, sessionId: delivery.sessionId };
    return delivery;
  } catch (err) {
    if (err instanceof AppError && isRemembered(err.code)) {
      const body = { error: err.message, code: err.code, ...(err.failureCode ? { failureCode: err.failureCode } : {}), ...err.details };
      outcome = { state: 'failed', fingerprint: scope.fingerprint, status: err.status, body, retryAfter: err.retryAfter };
    }
    throw err;
  } finally {
    clearInterval(renewal);
    // If this write fails the claim still lapses after one lease, so the key cannot stay wedged.
    if (outcome) await store.finish(key, outcome, scope.ttlMs, owner).catch(() => undefined);
    else await store.forget(key, owner).catch(() => undefined);
  }
}

function replay(record: IdempotencyRecord, fp: string): AppError {
  if (record.fingerprint !== fp) return new AppError('IDEMPOTENCY_KEY_REUSED');
  switch (record.state) {
    case 'in_progress':
      return new AppError('IDEMPOTENCY_IN_PROGRESS', undefined, { retryAfter: 1 });
    case 'delivered':
      return new AppError('CREDENTIALS_ALREADY_DELIVERED', undefined, { details: { sessionId: record.sessionId } });
    case 'failed': {
      const { error, code, ...details } = record.body as { error: string; code: string };
      return new AppError(code as never, error, { status: record.status, retryAfter: record.retryAfter, details });
    }
  }
}
