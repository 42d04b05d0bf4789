import http from 'node:http';
import request from 'supertest';
import { EMULATOR_KEY, eventually, sessionOf, startHarness, type Harness } from '../support/harness';

// Every way a session can fail to reach a client, and proof that none is left running upstream.

let h: Harness;
afterEach(() => h?.close());

// supertest sends lazily; .then() starts the request so tests can act while it is in flight.
const create = (body: object = { avatarId: 'music-superstar' }) => request(h.app).post('/api/avatar/session').send(body).then((res) => res);
const onlySession = () => {
  const sessions = h.emulator.ledger().sessions;
  expect(sessions).toHaveLength(1);
  return sessions[0]!;
};

describe('cancel triggers', () => {
  it('deadline: 504 SESSION_TIMEOUT and the upstream session is cancelled', async () => {
    h = await startHarness({ SESSION_READY_TIMEOUT_MS: '1000' }, { readiness: { kind: 'fixed', ms: 10_000 } });
    const started = Date.now();
    const res = await create();
    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({ code: 'SESSION_TIMEOUT', sessionId: expect.any(String) });
    // Answered by the 1 s deadline, long before the 10 s readiness (a bound that holds on a busy machine).
    expect(Date.now() - started).toBeLessThan(8000);
    await eventually(() => onlySession().status === 'CANCELLED');
    expect(h.emulator.ledger().orphans).toBe(0);
  });

  it('client disconnect mid-poll: polling stops within 100 ms and the session is cancelled', async () => {
    h = await startHarness({}, { readiness: { kind: 'fixed', ms: 10_000 } });
    const origin = await h.listen();
    const req = http.request(`${origin}/api/avatar/session`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ avatarId: 'music-superstar' }));
    await eventually(() => h.emulator.ledger().sessions.length === 1 && onlySession().polls >= 2);
    const abortedAt = Date.now();
    req.destroy();
    await eventually(() => onlySession().cancelledAt !== null, 2000);
    const session = onlySession();
    expect(session.cancelledAt! - abortedAt).toBeLessThan(100);
    const pollsAtCancel = session.polls;
    await new Promise((r) => setTimeout(r, 600));
    expect(onlySession().polls).toBe(pollsAtCancel); // no poll after the client left
    expect(h.broker.orchestrator.inflight).toBe(0);
    expect(h.emulator.ledger().orphans).toBe(0);
  });

  it('FAILED before READY: 502 SESSION_FAILED with Runway\'s stable failureCode, not its text', async () => {
    h = await startHarness({}, { failureRate: 1, failureCode: 'INTERNAL.CAPACITY', failureMessage: 'node 17 on fire' });
    const res = await create();
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ code: 'SESSION_FAILED', failureCode: 'INTERNAL.CAPACITY' });
    expect(JSON.stringify(res.body)).not.toContain('node 17');
    await eventually(() => onlySession().deletes >= 1);
  });

  it('CANCELLED upstream before READY: 502 SESSION_FAILED, and polling ends', async () => {
    h = await startHarness({}, { readiness: { kind: 'fixed', ms: 5000 } });
    const pending = create();
    await eventually(() => h.emulator.ledger().sessions.length === 1);
    await fetch(`${h.emulator.url}/v1/realtime_sessions/${onlySession().id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${EMULATOR_KEY}`, 'X-Runway-Version': '2024-11-06' },
    });
    const res = await pending;
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ code: 'SESSION_FAILED', error: expect.stringContaining('CANCELLED') });
  });

  it('consume failure: consume is attempted once, the client gets a 5xx, the session is cancelled', async () => {
    h = await startHarness();
    h.emulator.addFault({ operation: 'realtimeSessions.consume', action: { type: 'status', status: 500 } });
    const res = await create();
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('UPSTREAM_ERROR');
    await eventually(() => onlySession().cancelledAt !== null);
    expect(h.emulator.ledger().requests['realtimeSessions.consume']).toBe(1);
    expect(h.emulator.ledger().orphans).toBe(0);
  });

  it('a second consume is impossible: an already-RUNNING session is never handed out again', async () => {
    h = await startHarness();
    const res = await create();
    expect(res.status).toBe(200);
    // Every route that could return credentials is POST-create; status never includes them.
    const status = await request(h.app).get(`/api/avatar/session/${res.body.sessionId}`);
    expect(JSON.stringify(status.body)).not.toContain(res.body.token);
    expect(status.body.sessionKey).toBeUndefined();
    expect(sessionOf(h.emulator, res.body.sessionId).consumeAttempts).toBe(1);
  });

  it('shutdown: in-flight sessions are cancelled and answered 503 SHUTTING_DOWN, new ones refused', async () => {
    h = await startHarness({}, { readiness: { kind: 'fixed', ms: 10_000 } });
    const pending = create();
    await eventually(() => h.emulator.ledger().sessions.length === 1);
    const draining = h.broker.shutdown(100);
    expect((await request(h.app).get('/readyz')).status).toBe(503);
    expect((await request(h.app).get('/livez')).status).toBe(200);
    const refused = await create();
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('SHUTTING_DOWN');
    expect(refused.headers['retry-after']).toBeDefined();
    const res = await pending;
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('SHUTTING_DOWN');
    await draining; // drain waits for the cancels it started
    expect(onlySession().status).toBe('CANCELLED');
  });
});

describe('upstream errors', () => {
  it('429 on create → 429 UPSTREAM_RATE_LIMITED with Retry-After, create attempted once', async () => {
    h = await startHarness();
    h.emulator.addFault({ operation: 'realtimeSessions.create', action: { type: 'status', status: 429, retryAfter: 3 } });
    const res = await create();
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.body).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfter: 3 });
    expect(h.emulator.ledger().requests['realtimeSessions.create']).toBe(1);
  });

  it('503 on create → 503 UPSTREAM_UNAVAILABLE, never retried (no duplicate billable session)', async () => {
    h = await startHarness();
    h.emulator.addFault({ operation: 'realtimeSessions.create', action: { type: 'status', status: 503 } });
    const res = await create();
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(h.emulator.ledger().requests['realtimeSessions.create']).toBe(1);
  });

  it('connection reset on create → 503 UPSTREAM_UNAVAILABLE', async () => {
    h = await startHarness();
    h.emulator.addFault({ operation: 'realtimeSessions.create', action: { type: 'reset' }, times: 1 });
    const res = await create();
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('transient poll failures are retried and the session still arrives', async () => {
    h = await startHarness();
    h.emulator.addFault({ operation: 'realtimeSessions.retrieve', action: { type: 'status', status: 503 }, times: 2 });
    const res = await create();
    expect(res.status).toBe(200);
    expect(onlySession().consumeSuccesses).toBe(1);
  });

  it('persistent poll failures end in 503 and a cancelled session', async () => {
    h = await startHarness({ UPSTREAM_MAX_RETRIES: '1' });
    h.emulator.addFault({ operation: 'realtimeSessions.retrieve', action: { type: 'status', status: 502 } });
    const res = await create();
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('UPSTREAM_UNAVAILABLE');
    await eventually(() => onlySession().cancelledAt !== null);
  });

  it('a 401 from Runway (the broker\'s own key) is a 502 to the caller', async () => {
    h = await startHarness();
    h.emulator.updateSettings({ apiKey: 'key_some_other_key' });
    const res = await create();
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('UPSTREAM_ERROR');
  });
});

describe('queueing for capacity', () => {
  it('reports "queued" while Runway waits for a slot, then delivers when one frees', async () => {
    h = await startHarness({}, { concurrencyLimit: 1, durationScale: 0.002 });
    const first = await create({ avatarId: 'music-superstar' }); // 300 s scaled: holds the slot for ~600 ms
    expect(first.status).toBe(200);
    const second = create();
    await eventually(() => h.emulator.ledger().sessions.some((s) => s.queued));
    const queuedId = h.emulator.ledger().sessions.find((s) => s.queued)!.id;
    let seen: string | undefined;
    for (let i = 0; i < 100 && seen !== 'queued'; i += 1) {
      seen = (await request(h.app).get(`/api/avatar/session/${queuedId}`)).body.status;
      if (seen !== 'queued') await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toBe('queued');
    const res = await second;
    expect(res.status).toBe(200);
    expect(res.body.sessionId).toBe(queuedId);
  });
});

describe('after consume, delivery wins', () => {
  it('still delivers the credentials when recording the delivery fails', async () => {
    h = await startHarness();
    const registry = h.broker.registry;
    const update = registry.update.bind(registry);
    registry.update = async (id, patch) => {
      if (patch.status === 'delivered') throw new Error('store hiccup');
      return update(id, patch);
    };
    const res = await create();
    expect(res.status).toBe(200);
    expect(res.body.token).toEqual(expect.any(String));
    expect(onlySession().status).toBe('RUNNING');
    expect(onlySession().cancelledAt).toBeNull();
  });
});

describe('every upstream status before READY', () => {
  it.each(['COMPLETED', 'FAILED'] as const)('%s before READY: 502 SESSION_FAILED and polling ends', async (status) => {
    h = await startHarness({}, { readiness: { kind: 'fixed', ms: 5000 } });
    const pending = create();
    await eventually(() => h.emulator.ledger().sessions.length === 1 && onlySession().polls >= 1);
    const ended = await fetch(`${h.emulator.url}/__emulator/sessions/${onlySession().id}/end`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status, ...(status === 'FAILED' ? { failureCode: 'SAFETY.INPUT' } : {}) }),
    });
    expect(ended.ok).toBe(true);
    const res = await pending;
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('SESSION_FAILED');
    if (status === 'FAILED') expect(res.body.failureCode).toBe('SAFETY.INPUT');
    else expect(res.body.error).toContain('COMPLETED');
    const polls = onlySession().polls;
    await new Promise((r) => setTimeout(r, 400));
    expect(onlySession().polls).toBe(polls);
  });
});
