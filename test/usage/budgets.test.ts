import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { startHarness, type Harness } from '../support/harness';
import { sessionSeconds } from '../../src/usage/duration';
import { connected } from './helpers';
import { describeWithRedis, redisStores, startRedis, type RedisServer } from '../support/redis';

// A budget is decided at admission, before anything is spent upstream: a session reserves its
// maxDuration, gives it back if it never reaches the client, and settles to its real length when it ends.

const ADMIN = 'ops:admin-key-0123456789abcdef';
const ADMIN_KEY = 'admin-key-0123456789abcdef';
const ACME_KEY = 'acme-key-0123456789abcdef';
const clients = (budget: Record<string, number>) =>
  JSON.stringify([{ name: 'acme', key: ACME_KEY, overrides: ['maxDuration'], maxConcurrent: 1000, budget }]);
const env = (budget: Record<string, number>, extra: Record<string, string> = {}) => ({ ADMIN_API_KEYS: ADMIN, CLIENTS_JSON: clients(budget), SESSION_MAX_DURATION_CAP_S: '600', ...extra });

const start = (app: Harness['app'], key: string | undefined, body: Record<string, unknown> = { avatarId: 'music-superstar', maxDuration: 60 }) => {
  const req = request(app).post('/api/avatar/session');
  return (key ? req.set('authorization', `Bearer ${key}`) : req).send(body);
};
const budgetOf = async (app: Harness['app'], subject: string) =>
  (await request(app).get(`/api/usage/budgets/${subject}`).set('authorization', `Bearer ${ADMIN_KEY}`).expect(200)).body as {
    windows: { window: string; usedMinutes: number; sessions: number; limitMinutes: number | null; resetsAt: string }[];
  };

/**
 * Waits until every ended session has settled to its real length (events run in the background): the day's
 * minutes become the sum of the sessions' own delivered → ended seconds, far below the 10 minutes reserved.
 */
async function expectSettled(h: Harness, ids: string[]): Promise<number> {
  const expected = async () => {
    const records = await Promise.all(ids.map((id) => h.broker.registry.get(id)));
    if (records.some((r) => r?.status !== 'cancelled' && r?.status !== 'ended')) return undefined;
    return Math.round((records.reduce((sum, r) => sum + sessionSeconds(r!), 0) / 60) * 100) / 100;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const want = await expected();
    const day = (await budgetOf(h.app, 'acme')).windows[0]!;
    if (want !== undefined && day.usedMinutes === want) {
      expect(want).toBeLessThan(10);
      return want;
    }
    if (Date.now() > deadline) throw new Error(`budget did not settle: ${day.usedMinutes} min used, expected ${want}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function expectRefusal(res: request.Response) {
  expect(res.status).toBe(429);
  expect(res.body.code).toBe('USAGE_BUDGET_EXCEEDED');
  const retryAfter = Number(res.headers['retry-after']);
  const untilMidnight = Math.ceil((Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`) + 86_400_000 - Date.now()) / 1000);
  expect(retryAfter).toBeGreaterThan(0);
  expect(Math.abs(retryAfter - untilMidnight)).toBeLessThanOrEqual(5);
}

describe('in memory', () => {
  let h: Harness;
  afterEach(() => h?.close());

  it('holds under 50 parallel requests: never more than the budget reserved, the rest 429 with Retry-After until midnight', async () => {
    h = await startHarness(env({ minutesPerDay: 10 }));
    const results = await Promise.all(Array.from({ length: 50 }, () => start(h.app, ACME_KEY)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(10);
    results.filter((r) => r.status !== 200).forEach(expectRefusal);
    expect(h.emulator.ledger().sessions).toHaveLength(10); // refused before anything was spent upstream
    const [day] = (await budgetOf(h.app, 'acme')).windows;
    expect(day).toMatchObject({ window: 'day', limitMinutes: 10, usedMinutes: 10, sessions: 10 });

    // Ending them settles to the real (short) duration, and the budget is free again.
    await Promise.all(ok.map((r) => request(h.app).delete(`/api/avatar/session/${r.body.sessionId}`).set('authorization', `Bearer ${ACME_KEY}`).expect(204)));
    await expectSettled(h, ok.map((r) => r.body.sessionId as string));
    expect((await start(h.app, ACME_KEY)).status).toBe(200);
  });

  it('refunds a reservation that never reached the client', async () => {
    h = await startHarness(env({ sessionsPerDay: 1 }));
    const missing = await start(h.app, ACME_KEY, { avatarId: randomUUID() });
    expect(missing.status).toBeGreaterThanOrEqual(400); // Runway refused the unknown avatar
    expect((await budgetOf(h.app, 'acme')).windows[0]).toMatchObject({ sessions: 0, usedMinutes: 0 });
    expect((await start(h.app, ACME_KEY)).status).toBe(200);
    expectRefusal(await start(h.app, ACME_KEY));
  });

  it('lets an admin read and reset a budget; other clients may not', async () => {
    h = await startHarness(env({ sessionsPerDay: 1, minutesPerMonth: 100 }));
    expect((await start(h.app, ACME_KEY)).status).toBe(200);
    expectRefusal(await start(h.app, ACME_KEY));
    const state = await budgetOf(h.app, 'key:acme');
    expect(state.windows.map((w) => w.window)).toEqual(['day', 'month']);
    expect(state.windows[1]).toMatchObject({ limitMinutes: 100, usedMinutes: 1, sessions: 1 });
    await request(h.app).get('/api/usage/budgets/acme').set('authorization', `Bearer ${ACME_KEY}`).expect(403);
    const reset = await request(h.app).post('/api/usage/budgets/acme/reset').set('authorization', `Bearer ${ADMIN_KEY}`).expect(200);
    expect(reset.body.windows[0]).toMatchObject({ sessions: 0, usedMinutes: 0 });
    expect((await start(h.app, ACME_KEY)).status).toBe(200);
    await request(h.app).get('/api/usage/budgets/bad%20name').set('authorization', `Bearer ${ADMIN_KEY}`).expect(400);
  });

  it('caps anonymous callers per address and all together', async () => {
    h = await startHarness(env({}, { ANONYMOUS_BUDGET_SESSIONS_PER_DAY: '2', ANONYMOUS_GLOBAL_BUDGET_SESSIONS_PER_DAY: '3', TRUST_PROXY_HOPS: '1' }));
    const from = (ip: string) => request(h.app).post('/api/avatar/session').set('x-forwarded-for', ip).send({ avatarId: 'music-superstar' });
    expect((await from('203.0.113.1')).status).toBe(200);
    expect((await from('203.0.113.1')).status).toBe(200);
    expectRefusal(await from('203.0.113.1')); // this address's day
    expect((await from('203.0.113.2')).status).toBe(200);
    expectRefusal(await from('203.0.113.3')); // everyone's day
    expect((await budgetOf(h.app, 'anonymous')).windows[0]).toMatchObject({ sessions: 3 });
    expect((await budgetOf(h.app, 'anon:203.0.113.1')).windows[0]).toMatchObject({ sessions: 2 });
  });
});

describeWithRedis('with Redis, across two replicas', () => {
  let redis: RedisServer;
  let a: Harness;
  let b: Harness;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it('50 parallel requests split over two brokers never reserve more than the budget', async () => {
    const prefix = `t${Date.now()}:`;
    a = await startHarness(env({ minutesPerDay: 10 }), {}, { stores: redisStores(redis.url, prefix) });
    b = await startHarness(env({ minutesPerDay: 10 }), {}, { stores: redisStores(redis.url, prefix), emulator: a.emulator });
    await connected(a);
    await connected(b);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => start(i % 2 ? a.app : b.app, ACME_KEY)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    results.filter((r) => r.status !== 200).forEach(expectRefusal);
    expect(a.emulator.ledger().sessions).toHaveLength(10);
    expect((await budgetOf(b.app, 'acme')).windows[0]).toMatchObject({ usedMinutes: 10, sessions: 10 });

    // Ended on either replica, each settles once to its real length; refused upstream, it is refunded.
    const ok = results.filter((r) => r.status === 200);
    await Promise.all(ok.map((r, i) => request(i % 2 ? a.app : b.app).delete(`/api/avatar/session/${r.body.sessionId}`).set('authorization', `Bearer ${ACME_KEY}`).expect(204)));
    const used = await expectSettled(a, ok.map((r) => r.body.sessionId as string));
    expect((await start(a.app, ACME_KEY, { avatarId: randomUUID() })).status).toBeGreaterThanOrEqual(400);
    expect((await budgetOf(b.app, 'acme')).windows[0]!.usedMinutes).toBe(used);
  });
});
