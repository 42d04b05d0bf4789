import { createHash } from 'node:crypto';
import { AppError } from '../errors';
import type { IdempotencyStore } from '../store/types';
import type { Delivery } from './orchestrator';

// Idempotency-Key on session creation (draft-ietf-httpapi-idempotency-key-header): the key is scoped
// to the client, fingerprinted with the request, and remembered once execution begins. A retry while
// the first is running is a 409; the same key with another body is a 422; after delivery the answer
// is 409 CREDENTIALS_ALREADY_DELIVERED with the sessionId, because one-time credentials are never
// replayed. A failure is replayed as it was. Refusals before any upstream call are not remembered.

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
const NOT_REMEMBERED = new Set(['CONCURRENCY_LIMIT', 'CAPACITY_EXHAUSTED', 'SHUTTING_DOWN', 'STORE_UNAVAILABLE', 'RATE_LIMITED']);

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export async function withIdempotency(
  store: IdempotencyStore,
  scope: { clientId: string; key: string; fingerprint: string; ttlMs: number },
  run: () => Promise<Delivery>,
): Promise<Delivery> {
  if (!KEY_FORMAT.test(scope.key)) {
    throw new AppError('INVALID_REQUEST', 'Idempotency-Key must be 1-255 visible ASCII characters (a UUID is ideal).');
  }
  const key = `${scope.clientId}\u0000${scope.key}`;
  const claim = await store.claim(key, scope.fingerprint, scope.ttlMs).catch((err: unknown) => {
    throw new AppError('STORE_UNAVAILABLE', undefined, { retryAfter: 2, cause: err });
  });
  if (!claim.claimed) throw replay(claim.record, scope.fingerprint);

  try {
    const delivery = await run();
    await store.finish(key, { state: 'delivered', fingerprint: scope.fingerprint, sessionId: delivery.sessionId }, scope.ttlMs).catch(() => undefined);
    return delivery;
  } catch (err) {
    if (err instanceof AppError && !NOT_REMEMBERED.has(err.code)) {
      const body = { error: err.message, code: err.code, ...(err.failureCode ? { failureCode: err.failureCode } : {}), ...err.details };
      await store
        .finish(key, { state: 'failed', fingerprint: scope.fingerprint, status: err.status, body, retryAfter: err.retryAfter }, scope.ttlMs)
        .catch(() => undefined);
    } else {
      await store.forget(key).catch(() => undefined);
    }
    throw err;
  }
}

function replay(record: Awaited<ReturnType<IdempotencyStore['claim']>> extends infer C ? (C extends { record: infer R } ? R : never) : never, fp: string): AppError {
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
