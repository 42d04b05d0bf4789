import nock from 'nock';
import { AppError } from '../../src/errors';
import { RealtimeSessionsApi } from '../../src/runway/sessions';
import { Upstream } from '../../src/runway/upstream';
import { capturingLogger } from '../support/silent-logger';

const BASE = 'http://runway.test';
const API_KEY = 'key_unit_test_secret';
const ID = '0b4f2c1e-8a8b-4c43-9d7e-2f6a3c5b7e11';
const createBody = { model: 'gwm1_avatars' as const, avatar: { type: 'runway-preset' as const, presetId: 'music-superstar' as const } };

function setup(retries = 3) {
  const log = capturingLogger();
  const upstream = new Upstream({
    apiKey: API_KEY,
    baseURL: BASE,
    attemptTimeoutMs: 2000,
    retry: { retries, minDelayMs: 10, maxDelayMs: 50 },
    logger: log.logger,
    // nock intercepts the global fetch, not the pool's sockets: these tests go through fetch.
    fetch: (input, init) => globalThis.fetch(input, init),
  });
  return { api: new RealtimeSessionsApi(upstream), log };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a failure');
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('session create', () => {
  it('sends the API key and version header and returns the id', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: `Bearer ${API_KEY}`, 'x-runway-version': '2024-11-06' } })
      .post('/v1/realtime_sessions', createBody)
      .reply(200, { id: ID });
    await expect(setup().api.create(createBody)).resolves.toEqual({ id: ID });
    expect(scope.isDone()).toBe(true);
  });

  it('is never retried, even on a retryable 503 (a retried POST would bill a second session)', async () => {
    let calls = 0;
    nock(BASE).post('/v1/realtime_sessions').times(3).reply(() => {
      calls += 1;
      return [503, { error: 'overloaded' }];
    });
    const err = await failure(setup().api.create(createBody));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.status).toBe(503);
    expect(calls).toBe(1);
  });

  it('maps 429 to UPSTREAM_RATE_LIMITED with the upstream Retry-After', async () => {
    nock(BASE).post('/v1/realtime_sessions').reply(429, { error: 'slow down' }, { 'Retry-After': '7' });
    const err = await failure(setup().api.create(createBody));
    expect(err.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe(7);
  });

  it('never copies upstream error text into the broker error, but logs it', async () => {
    nock(BASE).post('/v1/realtime_sessions').reply(400, { error: 'internal detail: shard 7 exploded' });
    const { api, log } = setup();
    const err = await failure(api.create(createBody));
    expect(err.code).toBe('UPSTREAM_REJECTED');
    expect(err.message).not.toContain('shard 7');
    expect(log.text()).toContain('shard 7 exploded');
    expect(log.text()).not.toContain(API_KEY);
  });

  it('maps a 401 (our key) to a 502, not to a 401 the caller could not fix', async () => {
    nock(BASE).post('/v1/realtime_sessions').reply(401, { error: 'bad key' });
    const err = await failure(setup().api.create(createBody));
    expect(err.code).toBe('UPSTREAM_ERROR');
    expect(err.status).toBe(502);
  });
});

describe('session retrieve (idempotent)', () => {
  it('retries 503, 408, 429 and connection errors, then succeeds', async () => {
    nock(BASE)
      .get(`/v1/realtime_sessions/${ID}`)
      .reply(503, { error: 'x' })
      .get(`/v1/realtime_sessions/${ID}`)
      .reply(408, { error: 'x' })
      .get(`/v1/realtime_sessions/${ID}`)
      .replyWithError({ code: 'ECONNRESET', message: 'socket hang up' })
      .get(`/v1/realtime_sessions/${ID}`)
      .reply(200, { id: ID, status: 'NOT_READY', createdAt: new Date().toISOString() });
    await expect(setup(3).api.retrieve(ID)).resolves.toMatchObject({ status: 'NOT_READY' });
  });

  it('gives up after the configured retries', async () => {
    let calls = 0;
    nock(BASE).get(`/v1/realtime_sessions/${ID}`).times(10).reply(() => {
      calls += 1;
      return [502, { error: 'x' }];
    });
    const err = await failure(setup(2).api.retrieve(ID));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(calls).toBe(3);
  });

  it('does not retry a 404', async () => {
    let calls = 0;
    nock(BASE).get(`/v1/realtime_sessions/${ID}`).times(5).reply(() => {
      calls += 1;
      return [404, { error: 'Could not find session' }];
    });
    const err = await failure(setup().api.retrieve(ID));
    expect(err.code).toBe('NOT_FOUND');
    expect(calls).toBe(1);
  });

  it('honours Retry-After before the next attempt', async () => {
    nock(BASE)
      .get(`/v1/realtime_sessions/${ID}`)
      .reply(429, { error: 'x' }, { 'Retry-After': '1' })
      .get(`/v1/realtime_sessions/${ID}`)
      .reply(200, { id: ID, status: 'CANCELLED', createdAt: new Date().toISOString() });
    const started = Date.now();
    await expect(setup().api.retrieve(ID)).resolves.toMatchObject({ status: 'CANCELLED' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('honours retry-after-ms too', async () => {
    nock(BASE)
      .get(`/v1/realtime_sessions/${ID}`)
      .reply(503, { error: 'x' }, { 'retry-after-ms': '300' })
      .get(`/v1/realtime_sessions/${ID}`)
      .reply(200, { id: ID, status: 'CANCELLED', createdAt: new Date().toISOString() });
    const started = Date.now();
    await setup().api.retrieve(ID);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('gives up at once when Retry-After is longer than the remaining deadline', async () => {
    let calls = 0;
    nock(BASE).get(`/v1/realtime_sessions/${ID}`).times(3).reply(() => {
      calls += 1;
      return [429, { error: 'x' }, { 'Retry-After': '30' }];
    });
    const started = Date.now();
    const err = await failure(setup().api.retrieve(ID, { deadline: Date.now() + 2000 }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(err.retryAfter).toBe(30);
    expect(calls).toBe(1);
  });
});

describe('session cancel', () => {
  it('sends DELETE and reports cancelled', async () => {
    const scope = nock(BASE).delete(`/v1/realtime_sessions/${ID}`).reply(204);
    await expect(setup().api.cancel(ID)).resolves.toBe('cancelled');
    expect(scope.isDone()).toBe(true);
  });

  it('treats a 4xx on an already-terminal session as done, without retrying', async () => {
    let calls = 0;
    nock(BASE).delete(`/v1/realtime_sessions/${ID}`).times(3).reply(() => {
      calls += 1;
      return [409, { error: 'Session already ended' }];
    });
    await expect(setup().api.cancel(ID)).resolves.toBe('already-ended');
    expect(calls).toBe(1);
  });

  it('retries transient failures', async () => {
    nock(BASE).delete(`/v1/realtime_sessions/${ID}`).reply(503, { error: 'x' }).delete(`/v1/realtime_sessions/${ID}`).reply(204);
    await expect(setup().api.cancel(ID)).resolves.toBe('cancelled');
  });
});

describe('consume (not in the SDK)', () => {
  const credentials = { url: 'wss://lk.example', token: 'lk-jwt-secret', roomName: 'room-1' };

  it('authenticates with the sessionKey, not the API key', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: 'Bearer sk_session_key' }, badheaders: [] })
      .post(`/v1/realtime_sessions/${ID}/consume`)
      .reply(200, credentials);
    await expect(setup().api.consume(ID, 'sk_session_key')).resolves.toEqual(credentials);
    expect(scope.isDone()).toBe(true);
  });

  it('is never retried: a second consume would find the key spent', async () => {
    let calls = 0;
    nock(BASE).post(`/v1/realtime_sessions/${ID}/consume`).times(3).reply(() => {
      calls += 1;
      return [503, { error: 'x' }];
    });
    const err = await failure(setup().api.consume(ID, 'sk'));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(calls).toBe(1);
  });

  it('maps an already-consumed session (409) to CONFLICT', async () => {
    nock(BASE).post(`/v1/realtime_sessions/${ID}/consume`).reply(409, { error: 'already consumed' });
    expect((await failure(setup().api.consume(ID, 'sk'))).code).toBe('CONFLICT');
  });

  it('rejects malformed credentials instead of passing them to the browser', async () => {
    nock(BASE).post(`/v1/realtime_sessions/${ID}/consume`).reply(200, { url: 'wss://lk.example', roomName: 'r' });
    expect((await failure(setup().api.consume(ID, 'sk'))).code).toBe('UPSTREAM_INVALID_RESPONSE');
  });

  it('maps a connection failure to UPSTREAM_UNAVAILABLE', async () => {
    nock(BASE).post(`/v1/realtime_sessions/${ID}/consume`).replyWithError({ code: 'ECONNREFUSED', message: 'refused' });
    expect((await failure(setup().api.consume(ID, 'sk'))).code).toBe('UPSTREAM_UNAVAILABLE');
  });
});
