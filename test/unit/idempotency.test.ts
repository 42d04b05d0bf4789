import { AppError, type ErrorCode } from '../../src/errors';
import { withIdempotency, type IdempotencyScope } from '../../src/sessions/idempotency';
import type { Delivery } from '../../src/sessions/orchestrator';
import { MemoryIdempotency } from '../../src/store/memory';
import type { IdempotencyStore } from '../../src/store/types';

// What an Idempotency-Key remembers, and that an in-progress claim is a renewed lease. The store is
// the real in-memory one; leases are driven by Jest's clock, so nothing races wall time.

const scope: IdempotencyScope = { clientId: 'key:web', key: 'k1', fingerprint: 'fp', ttlMs: 86_400_000, leaseMs: 30_000 };
const delivery = (sessionId: string) => ({ sessionId, shape: 'credentials' }) as unknown as Delivery;
const failing = (code: ErrorCode) => () => Promise.reject(new AppError(code));
const codeOf = (promise: Promise<unknown>) => promise.then(() => 'ok', (err: AppError) => err.code);

describe('Idempotency-Key outcomes', () => {
  it.each<ErrorCode>([
    'CLIENT_CLOSED_REQUEST',
    'SHUTTING_DOWN',
    'STORE_UNAVAILABLE',
    'CAPACITY_EXHAUSTED',
    'CONCURRENCY_LIMIT',
    'RATE_LIMITED',
    'UPSTREAM_RATE_LIMITED',
    'UPSTREAM_UNAVAILABLE',
    'UPSTREAM_ERROR',
    'SESSION_TIMEOUT',
    'INTERNAL',
  ])('%s says nothing about the request: forgotten, a retry with the key starts afresh', async (code) => {
    const store = new MemoryIdempotency();
    expect(await codeOf(withIdempotency(store, scope, failing(code)))).toBe(code);
    await expect(withIdempotency(store, scope, async () => delivery('s-2'))).resolves.toMatchObject({ sessionId: 's-2' });
  });

  it('a client that left just as its session became ready got nothing: the retry starts afresh', async () => {
    const store = new MemoryIdempotency();
    const client = new AbortController();
    await withIdempotency(store, { ...scope, signal: client.signal }, async () => {
      client.abort(); // the session is ready, but the request is already closed (the router abandons it)
      return delivery('s-1');
    });
    await expect(withIdempotency(store, scope, async () => delivery('s-2'))).resolves.toMatchObject({ sessionId: 's-2' });
  });

  it('an error that is not an AppError is forgotten too', async () => {
    const store = new MemoryIdempotency();
    await expect(withIdempotency(store, scope, () => Promise.reject(new Error('bug')))).rejects.toThrow('bug');
    await expect(withIdempotency(store, scope, async () => delivery('s-2'))).resolves.toMatchObject({ sessionId: 's-2' });
  });

  it.each<ErrorCode>(['SESSION_FAILED', 'UPSTREAM_REJECTED', 'AVATAR_NOT_FOUND'])('%s is an answer about the request: replayed, not run again', async (code) => {
    const store = new MemoryIdempotency();
    await codeOf(withIdempotency(store, scope, failing(code)));
    const run = jest.fn(async () => delivery('s-2'));
    expect(await codeOf(withIdempotency(store, scope, run))).toBe(code);
    expect(run).not.toHaveBeenCalled();
  });
});

describe('Idempotency-Key claims are leases', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('the working execution renews its claim, however long it runs', async () => {
    const store = new MemoryIdempotency();
    let finish!: (d: Delivery) => void;
    const first = withIdempotency(store, scope, () => new Promise<Delivery>((resolve) => (finish = resolve)));
    await jest.advanceTimersByTimeAsync(5 * scope.leaseMs);
    expect(await codeOf(withIdempotency(store, scope, async () => delivery('s-2')))).toBe('IDEMPOTENCY_IN_PROGRESS');
    finish(delivery('s-1'));
    await first;
    expect(jest.getTimerCount()).toBe(0); // the renewal stopped with the execution
    expect(await codeOf(withIdempotency(store, scope, async () => delivery('s-2')))).toBe('CREDENTIALS_ALREADY_DELIVERED');
  });

  it('a claim whose holder crashed frees the key after one lease', async () => {
    const store = new MemoryIdempotency();
    await store.claim(`${scope.clientId}\u0000${scope.key}`, scope.fingerprint, scope.leaseMs); // ...and never finishes
    expect(await codeOf(withIdempotency(store, scope, async () => delivery('s-2')))).toBe('IDEMPOTENCY_IN_PROGRESS');
    await jest.advanceTimersByTimeAsync(scope.leaseMs + 1);
    await expect(withIdempotency(store, scope, async () => delivery('s-2'))).resolves.toMatchObject({ sessionId: 's-2' });
  });

  it('a failed finish (store blip) does not wedge the key for the ttl: it frees itself after one lease', async () => {
    const memory = new MemoryIdempotency();
    const blip: IdempotencyStore = {
      claim: (...a) => memory.claim(...a),
      renew: (...a) => memory.renew(...a),
      finish: () => Promise.reject(new AppError('STORE_UNAVAILABLE')),
      forget: () => Promise.reject(new AppError('STORE_UNAVAILABLE')),
    };
    expect(await codeOf(withIdempotency(blip, scope, failing('SESSION_FAILED')))).toBe('SESSION_FAILED');
    expect(await codeOf(withIdempotency(memory, scope, async () => delivery('s-2')))).toBe('IDEMPOTENCY_IN_PROGRESS');
    await jest.advanceTimersByTimeAsync(scope.leaseMs + 1);
    await expect(withIdempotency(memory, scope, async () => delivery('s-2'))).resolves.toMatchObject({ sessionId: 's-2' });
  });
});
