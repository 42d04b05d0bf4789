import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { eventually, startHarness, type Harness } from '../support/harness';
import { describeWithRedis, redisStores, startRedis, type RedisServer } from '../support/redis';
import type { EmulatorSettings } from '../../src/emulator';
import { fingerprint } from '../../src/sessions/idempotency';

// Two broker instances (two createBroker apps, each with its own Redis connection and stores)
// behind an imaginary load balancer, sharing one Redis and one Runway emulator: they must act as one.

const CLIENTS = JSON.stringify([
  { name: 'app', key: 'app-key-0123456789abcdef', scopes: ['sessions:create', 'sessions:read'] },
  { name: 'other', key: 'other-key-0123456789abcdef', scopes: ['sessions:create', 'sessions:read'] },
]);
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

let redis: RedisServer;
let replicas: Harness[] = [];

/** Two brokers over one Redis namespace and one emulator. */
async function twoReplicas(env: Record<string, string>, settings: Partial<EmulatorSettings> = {}): Promise<[Harness, Harness]> {
  const stores = redisStores(redis.url, `r-${randomUUID().slice(0, 8)}:`);
  const first = await startHarness(env, settings, { stores });
  const second = await startHarness(env, settings, { stores, emulator: first.emulator });
  replicas = [second, first]; // closed in this order: the first owns the emulator
  for (const h of replicas) await eventually(() => h.logs.text().includes('shared store connected'), 5000);
  return [first, second];
}

describeWithRedis('two broker instances sharing one Redis', () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const h of replicas.splice(0)) await h.close();
  });
  afterAll(() => redis?.stop());

  it('enforce one global cap: 50 concurrent requests split across both for 3 slots admit exactly 3', async () => {
    const [a, b] = await twoReplicas({ GLOBAL_MAX_SESSIONS: '3' }, { readiness: { kind: 'fixed', ms: 300 } });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => request((i % 2 ? a : b).app).post('/api/avatar/session').send({ avatarId: 'music-superstar' })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(47);
    for (const r of refused) expect([r.status, r.body.code]).toEqual([503, 'CAPACITY_EXHAUSTED']);
    expect(a.emulator.ledger().sessions).toHaveLength(3); // refused before any upstream call, on both
    expect(await a.broker.admission.count()).toBe(3);
    expect(await b.broker.admission.count()).toBe(3);
  });

  it('share one per-client concurrency cap', async () => {
    const [a, b] = await twoReplicas({ CLIENTS_JSON: CLIENTS, CLIENT_MAX_CONCURRENT: '2' }, { readiness: { kind: 'fixed', ms: 300 } });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => request((i % 2 ? a : b).app).post('/api/avatar/session').set(bearer('app-key-0123456789abcdef')).send({ avatarId: 'music-superstar' })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    for (const r of results.filter((x) => x.status !== 200)) expect([r.status, r.body.code]).toEqual([429, 'CONCURRENCY_LIMIT']);
  });

  it('share rate-limit counters', async () => {
    const [a, b] = await twoReplicas({ ANONYMOUS_RATE_PER_MIN: '3', READ_RATE_PER_MIN: '2' });
    const create = (h: Harness) => request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' });
    expect((await create(a)).status).toBe(200);
    expect((await create(b)).status).toBe(200);
    const third = await create(a);
    expect(third.status).toBe(200);
    expect(third.headers['ratelimit']).toMatch(/"sessions";\s*r=0/);
    const limited = await create(b);
    expect([limited.status, limited.body.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(a.emulator.ledger().sessions).toHaveLength(3);
    // The reads limiter counts separately from the sessions limiter, and across replicas too.
    const id = third.body.sessionId as string;
    expect((await request(a.app).get(`/api/avatar/session/${id}`)).status).toBe(200);
    expect((await request(b.app).get(`/api/avatar/session/${id}`)).status).toBe(200);
    expect((await request(a.app).get(`/api/avatar/session/${id}`)).status).toBe(429);
  });

  it('answer each other\'s sessions\' status and cancel, for the owner only', async () => {
    const [a, b] = await twoReplicas({ CLIENTS_JSON: CLIENTS, GLOBAL_MAX_SESSIONS: '1' });
    const created = await request(a.app).post('/api/avatar/session').set(bearer('app-key-0123456789abcdef')).send({ avatarId: 'music-superstar' });
    expect(created.status).toBe(200);
    const id = created.body.sessionId as string;

    const status = await request(b.app).get(`/api/avatar/session/${id}`).set(bearer('app-key-0123456789abcdef'));
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ sessionId: id, status: 'delivered', upstreamStatus: 'RUNNING' });
    expect(JSON.stringify(status.body)).not.toContain(created.body.token);
    expect((await request(b.app).get(`/api/avatar/session/${id}`).set(bearer('other-key-0123456789abcdef'))).status).toBe(404);
    expect((await request(b.app).delete(`/api/avatar/session/${id}`).set(bearer('other-key-0123456789abcdef'))).status).toBe(404);

    // The one global slot is held by A's session; B refuses, then frees it by cancelling.
    const refused = await request(b.app).post('/api/avatar/session').set(bearer('other-key-0123456789abcdef')).send({ avatarId: 'music-superstar' });
    expect(refused.body.code).toBe('CAPACITY_EXHAUSTED');
    expect((await request(b.app).delete(`/api/avatar/session/${id}`).set(bearer('app-key-0123456789abcdef'))).status).toBe(204);
    await eventually(() => a.emulator.ledger().sessions.find((s) => s.id === id)?.status === 'CANCELLED');
    expect((await request(a.app).get(`/api/avatar/session/${id}`).set(bearer('app-key-0123456789abcdef'))).body.status).toBe('cancelled');
    expect(await a.broker.admission.count()).toBe(0);
    expect((await request(a.app).post('/api/avatar/session').set(bearer('other-key-0123456789abcdef')).send({ avatarId: 'music-superstar' })).status).toBe(200);
  });

  it('share Idempotency-Key records: a retry on the other replica gets 409 with the sessionId', async () => {
    const [a, b] = await twoReplicas({}, { readiness: { kind: 'fixed', ms: 300 } });
    const start = (h: Harness) => request(h.app).post('/api/avatar/session').set('Idempotency-Key', 'key-1').send({ avatarId: 'music-superstar' });
    const [first, second] = await Promise.all([start(a), start(b)]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const winner = first.status === 200 ? first : second;
    const later = await start(first.status === 200 ? b : a);
    expect([later.status, later.body.code, later.body.sessionId]).toEqual([409, 'CREDENTIALS_ALREADY_DELIVERED', winner.body.sessionId]);
    expect(a.emulator.ledger().sessions).toHaveLength(1);
  });

  it('a replica that died holding an Idempotency-Key claim wedges the key for one lease only: then the retry runs', async () => {
    const [a, b] = await twoReplicas({ CLIENTS_JSON: CLIENTS, IDEMPOTENCY_LEASE_MS: '1000' });
    const body = { avatarId: 'music-superstar' };
    // Replica a claims the key as its handler would, then "crashes": nobody renews or finishes the claim.
    const claim = await a.broker.stores.idempotency.claim(`key:app\u0000key-crash`, fingerprint({ body, shape: 'credentials' }), 1000);
    expect(claim.claimed).toBe(true);
    const retry = () => request(b.app).post('/api/avatar/session').set(bearer('app-key-0123456789abcdef')).set('Idempotency-Key', 'key-crash').send(body);
    const early = await retry();
    expect([early.status, early.body.code]).toEqual([409, 'IDEMPOTENCY_IN_PROGRESS']);
    let later = early;
    for (const end = Date.now() + 10_000; later.body.code === 'IDEMPOTENCY_IN_PROGRESS' && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 100));
      later = await retry();
    }
    expect(later.status).toBe(200);
    expect(a.emulator.ledger().sessions).toHaveLength(1);
  });

  it('follow each other\'s delivered sessions: when the replica that delivered one stops following, the other frees its slot', async () => {
    const [a, b] = await twoReplicas({ GLOBAL_MAX_SESSIONS: '1', SESSION_FOLLOW_INTERVAL_MS: '1000' }, { durationScale: 0.001 });
    a.broker.follower.stop(); // A "dies" as far as follow-ups go
    const created = await request(a.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' });
    expect(created.status).toBe(200);
    const id = created.body.sessionId as string;
    await eventually(() => a.emulator.ledger().sessions.find((s) => s.id === id)?.status === 'COMPLETED');
    await eventually(() => b.logs.text().includes('session ended; slot released'), 5000);
    expect(await b.broker.admission.count()).toBe(0);
    expect((await request(b.app).get(`/api/avatar/session/${id}`)).body.status).toBe('ended');
    expect((await request(a.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' })).status).toBe(200);
  });
});
