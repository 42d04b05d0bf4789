import request from 'supertest';
import type { SessionEvent } from '../../src/sessions/events';
import { sessionSeconds } from '../../src/usage/duration';
import { eventually, startHarness, type Harness } from '../support/harness';
import { describeWithRedis, redisStores, startRedis, type RedisServer } from '../support/redis';
import { connected } from './helpers';

// Metering agrees with what Runway (the emulator) saw, counts each fact once, and is owner-scoped.

const ADMIN_KEY = 'admin-key-0123456789abcdef';
const ACME = 'acme-key-0123456789abcdef';
const BETA = 'beta-key-0123456789abcdef';
const ENV = {
  ADMIN_API_KEYS: `ops:${ADMIN_KEY}`,
  CLIENTS_JSON: JSON.stringify([
    { name: 'acme', key: ACME, overrides: ['maxDuration'], maxConcurrent: 100 },
    { name: 'beta', key: BETA, overrides: ['maxDuration'], maxConcurrent: 100 },
  ]),
  SESSION_FOLLOW_INTERVAL_MS: '1000',
};
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

async function scenario(h: Harness, ...replicas: Harness[]) {
  const ended: SessionEvent[] = [];
  // With Redis any replica's follower may be the one that sees a session end.
  for (const r of [h, ...replicas]) r.broker.events.on((e) => void (e.type === 'ended' && ended.push(e)));
  const start = (key: string) => request(h.app).post('/api/avatar/session').set(auth(key)).send({ avatarId: 'music-superstar', maxDuration: 10 }).expect(200);
  const acme = await Promise.all([start(ACME), start(ACME), start(ACME)]);
  const beta = await Promise.all([start(BETA), start(BETA)]);
  // Two calls hang up at once; the others run to their maxDuration and the follower sees them end.
  for (const res of [acme[0]!, beta[0]!]) await request(h.app).delete(`/api/avatar/session/${res.body.sessionId}`).set(auth(res === acme[0] ? ACME : BETA)).expect(204);
  await eventually(() => ended.length === 5, 60_000);
  const ids = { 'key:acme': acme.map((r) => r.body.sessionId as string), 'key:beta': beta.map((r) => r.body.sessionId as string) };
  return ids;
}

async function expectMatchesLedger(h: Harness, ids: Record<string, string[]>) {
  const report = (await request(h.app).get('/api/usage').set(auth(ADMIN_KEY)).expect(200)).body;
  // The broker may call a session over (its maxDuration surely passed) a moment before the emulator's own timer ends it.
  const all = Object.values(ids).flat();
  await eventually(() => h.emulator.ledger().sessions.filter((s) => all.includes(s.id)).every((s) => s.duration !== null), 30_000);
  const ledger = h.emulator.ledger().sessions;
  for (const [client, sessionIds] of Object.entries(ids)) {
    const rows = report.rows.filter((r: { client: string }) => r.client === client);
    expect(rows).toHaveLength(1);
    const seen = ledger.filter((s) => sessionIds.includes(s.id));
    expect(rows[0]).toMatchObject({ avatar: 'music-superstar', requested: sessionIds.length, delivered: seen.filter((s) => s.consumedAt !== null).length, failed: 0, timedOut: 0 });
    const runwaySeconds = seen.reduce((sum, s) => sum + (s.duration ?? 0), 0);
    const ours = (await Promise.all(sessionIds.map((id) => h.broker.registry.get(id)))).reduce((sum, r) => sum + sessionSeconds(r!), 0);
    expect(rows[0].sessionSeconds).toBe(ours);
    // Our clock starts at delivery and stops when we learn of the end; Runway's starts at consume and stops at its end.
    // Calls that ran their course agree exactly (both capped at maxDuration); hung-up ones differ by how long the hang-up took.
    expect(Math.abs(rows[0].sessionSeconds - runwaySeconds)).toBeLessThanOrEqual(sessionIds.length + 2);
    expect(runwaySeconds).toBeGreaterThanOrEqual(10 * (sessionIds.length - 1)); // the ones left to run took their full 10 s
  }
  expect(report.totals.delivered).toBe(5);
}

describe('in memory', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(ENV);
  });
  afterAll(() => h.close());

  it('matches the emulator ledger for delivered sessions, per client and avatar', async () => {
    await expectMatchesLedger(h, await scenario(h));
    const metrics = (await request(h.app).get('/metrics')).text;
    expect(metrics).toMatch(/broker_usage_sessions_total\{client="acme",event="delivered"\} 3/);
    expect(metrics).toMatch(/broker_usage_session_seconds_total\{client="beta"\} \d+/);
  }, 120_000);

  it('lets a client read its own usage only; admins read everyone, as JSON or CSV', async () => {
    const own = (await request(h.app).get('/api/usage').set(auth(BETA)).expect(200)).body;
    expect(own.rows.map((r: { client: string }) => r.client)).toEqual(['key:beta']);
    expect((await request(h.app).get('/api/usage?client=key:acme').set(auth(BETA))).body.code).toBe('FORBIDDEN');
    expect((await request(h.app).get('/api/usage')).status).toBe(401);
    const csv = await request(h.app).get('/api/usage?client=key:acme&avatar=music-superstar&format=csv').set(auth(ADMIN_KEY)).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('day,client,avatar,requested,delivered,failed,timedOut,sessionSeconds');
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^\d{4}-\d{2}-\d{2},key:acme,music-superstar,3,3,0,0,\d+$/)]);
    const none = (await request(h.app).get('/api/usage?from=2020-01-01&to=2020-01-02').set(auth(ADMIN_KEY)).expect(200)).body;
    expect(none).toMatchObject({ rows: [], totals: { delivered: 0 } });
    expect((await request(h.app).get('/api/usage?from=2020-01-03&to=2020-01-02').set(auth(ADMIN_KEY))).body.code).toBe('INVALID_REQUEST');
    expect((await request(h.app).get('/api/usage?from=2000-01-01').set(auth(ADMIN_KEY))).body.code).toBe('INVALID_REQUEST'); // beyond retention
  });
});

describeWithRedis('with Redis', () => {
  let redis: RedisServer;
  let a: Harness;
  let b: Harness;
  beforeAll(async () => {
    redis = await startRedis();
    a = await startHarness(ENV, {}, { stores: redisStores(redis.url, 'm:') });
    b = await startHarness(ENV, {}, { stores: redisStores(redis.url, 'm:'), emulator: a.emulator });
    await connected(a);
    await connected(b);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it('two replicas meter together, and each fact once even when both report it', async () => {
    const ids = await scenario(a, b);
    // Replaying the facts through the other replica (as a racing replica would) counts nothing twice.
    for (const id of [...ids['key:acme']!, ...ids['key:beta']!]) {
      const record = (await b.broker.registry.get(id))!;
      await b.broker.usage.onEvent({ type: 'ended', at: new Date().toISOString(), record, reason: 'COMPLETED' });
      await b.broker.usage.onEvent({ type: 'delivered', at: new Date().toISOString(), record });
    }
    await expectMatchesLedger(b, ids);
  }, 120_000);
});
