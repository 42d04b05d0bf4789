import { randomUUID } from 'node:crypto';
import request from 'supertest';
import Redis from 'ioredis';
import { loadConfig } from '../../src/config';
import { startEmulator, type EmulatorHandle, type EmulatorSettings } from '../../src/emulator';
import { poolSettings } from '../../src/sessions/pool-config';
import { EMULATOR_KEY, eventually, sessionOf, startHarness, type Harness } from '../support/harness';
import { describeWithRedis, redisStores, startRedis, type RedisServer } from '../support/redis';

// The warm pool (issue 10) against the emulator: READY sessions held ahead of demand, handed to at
// most one request each, retired before their key expires, never handed out once FAILED/expired,
// given up for capacity, cancelled at shutdown. Time is driven by pool ticks with a chosen clock and
// by the emulator's control API (end, expire), never by sleeping.

const ADMIN = 'admin-key-for-pool-tests';
const CLIENTS = JSON.stringify([{ name: 'app', key: 'app-key-0123456789abcdef', scopes: ['sessions:create', 'sessions:read'], maxConcurrent: 1 }]);
const admin = { Authorization: `Bearer ${ADMIN}` };

let harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

async function broker(env: Record<string, string>, settings: Partial<EmulatorSettings> = {}, emulator?: EmulatorHandle): Promise<Harness> {
  const h = await startHarness(
    { SESSION_KEY_SHAPE_ENABLED: 'true', ADMIN_API_KEYS: `ops:${ADMIN}`, SESSION_EXPECTED_READY_MS: '100', ...env },
    settings,
    emulator ? { emulator } : {},
  );
  harnesses.push(h);
  return h;
}

const avatarState = (h: Harness, id: string) => h.broker.pool.state().avatars.find((a) => a.avatarId === id);
const idle = (h: Harness, id: string) => avatarState(h, id)?.idle ?? 0;
/** Ids of the READY sessions the pool holds now (upstream view). */
const readyIds = (h: Harness) => h.emulator.ledger().sessions.filter((s) => s.status === 'READY').map((s) => s.id);
const create = (h: Harness, body: object = { avatarId: 'music-superstar' }, path = '/api/avatar/session') =>
  request(h.app).post(path).set('Content-Type', 'application/json').send(body);
const metrics = async (h: Harness) => (await request(h.app).get('/metrics')).text;

describe('warm pool: hit path', () => {
  it('hands a pooled READY session to one request: one consume, valid credentials, pooled in the status, refilled', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:2' });
    await eventually(() => idle(h, 'music-superstar') === 2);
    const pooledIds = readyIds(h);
    const res = await create(h);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['expiresAt', 'maxDuration', 'roomName', 'serverUrl', 'sessionId', 'token']);
    expect(pooledIds).toContain(res.body.sessionId);
    const upstream = sessionOf(h.emulator, res.body.sessionId);
    expect(upstream).toMatchObject({ status: 'RUNNING', consumeAttempts: 1, consumeSuccesses: 1 });
    const status = await request(h.app).get(`/api/avatar/session/${res.body.sessionId}`);
    expect(status.body).toMatchObject({ status: 'delivered', pooled: true });
    await eventually(() => idle(h, 'music-superstar') === 2);
    expect(avatarState(h, 'music-superstar')).toMatchObject({ hits: 1, misses: 0 });
    const text = await metrics(h);
    expect(text).toMatch(/broker_pool_hits_total\{avatar="music-superstar"\} 1/);
    expect(text).toMatch(/broker_pool_time_to_credentials_seconds_count\{source="pooled"\} 1/);
    expect(text).toMatch(/broker_pool_idle\{avatar="music-superstar"\} 2/);
  });

  it('hands the key over unconsumed for ?shape=sessionKey', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:1' });
    await eventually(() => idle(h, 'music-superstar') === 1);
    const [pooledId] = readyIds(h);
    const res = await create(h, { avatarId: 'music-superstar' }, '/api/avatar/session?shape=sessionKey');
    expect(res.status).toBe(200);
    expect(res.body.sessionId).toBe(pooledId);
    expect(typeof res.body.sessionKey).toBe('string');
    expect(sessionOf(h.emulator, pooledId!).consumeAttempts).toBe(0);
  });

  it('50 concurrent requests on a pool of 5: no session reaches two clients, the rest go cold', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:5', WARM_POOL_MAX: '5' }, { readiness: { kind: 'fixed', ms: 200 } });
    await eventually(() => idle(h, 'music-superstar') === 5);
    const pooledIds = new Set(readyIds(h));
    const responses = await Promise.all(Array.from({ length: 50 }, () => create(h)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const ids = responses.map((r) => r.body.sessionId as string);
    expect(new Set(ids).size).toBe(50);
    expect(ids.filter((id) => pooledIds.has(id)).length).toBe(5);
    for (const s of h.emulator.ledger().sessions) expect(s.consumeSuccesses).toBeLessThanOrEqual(1);
    const state = avatarState(h, 'music-superstar')!;
    expect(state.hits).toBeGreaterThanOrEqual(5);
    expect(state.hits + state.misses).toBe(50);
  });
});

describe('warm pool: freshness', () => {
  it('retires sessions a margin before their key expires (cancelled, not expired upstream)', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:2', WARM_POOL_RETIRE_MARGIN_S: '15' }, { sessionKeyTtlMs: 60_000 });
    await eventually(() => idle(h, 'music-superstar') === 2);
    const old = readyIds(h);
    await h.broker.pool.tick(Date.now() + 46_000); // 14 s before expiresAt
    await eventually(() => old.every((id) => sessionOf(h.emulator, id).status === 'CANCELLED'));
    for (const id of old) expect(sessionOf(h.emulator, id)).toMatchObject({ expired: false, consumeAttempts: 0 });
    expect(await metrics(h)).toMatch(/broker_pool_retired_total\{avatar="music-superstar",reason="expired"\} 2/);
    await eventually(() => idle(h, 'music-superstar') === 2); // replaced
  });

  it('retires a session idle longer than WARM_POOL_MAX_IDLE_S', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:1', WARM_POOL_MAX_IDLE_S: '20' }, { sessionKeyTtlMs: 600_000 });
    await eventually(() => idle(h, 'music-superstar') === 1);
    const [old] = readyIds(h);
    await h.broker.pool.tick(Date.now() + 21_000);
    await eventually(() => sessionOf(h.emulator, old!).status === 'CANCELLED');
    expect(await metrics(h)).toMatch(/broker_pool_retired_total\{avatar="music-superstar",reason="idle"\} 1/);
    expect(await metrics(h)).toMatch(/broker_pool_idle_seconds_total\{avatar="music-superstar"\} [0-9.]+/);
  });

  it('never hands out a session Runway FAILED: the check retires it', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:1' });
    await eventually(() => idle(h, 'music-superstar') === 1);
    const [failed] = readyIds(h);
    await fetch(`${h.emulator.url}/__emulator/sessions/${failed}/end`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"status":"FAILED"}' });
    await h.broker.pool.tick(Date.now(), { checkAll: true });
    expect(await metrics(h)).toMatch(/broker_pool_retired_total\{avatar="music-superstar",reason="failed"\} 1/);
    const res = await create(h);
    expect(res.status).toBe(200);
    expect(res.body.sessionId).not.toBe(failed);
    expect(sessionOf(h.emulator, failed!).consumeAttempts).toBe(0);
  });

  it('a session that expired unseen fails its consume and the request falls back to another pooled or cold session', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:1' });
    await eventually(() => idle(h, 'music-superstar') === 1);
    const [expired] = readyIds(h);
    await fetch(`${h.emulator.url}/__emulator/sessions/${expired}/expire`, { method: 'POST' });
    const res = await create(h);
    expect(res.status).toBe(200);
    expect(res.body.sessionId).not.toBe(expired);
    expect(sessionOf(h.emulator, res.body.sessionId)).toMatchObject({ status: 'RUNNING', consumeSuccesses: 1 });
    expect(sessionOf(h.emulator, expired!)).toMatchObject({ consumeSuccesses: 0, expired: true });
    await eventually(() => sessionOf(h.emulator, expired!).deletes === 1); // cleaned up anyway
  });

  it('the sessionKey shape confirms READY before handing a pooled key over', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:1' });
    await eventually(() => idle(h, 'music-superstar') === 1);
    const [expired] = readyIds(h);
    await fetch(`${h.emulator.url}/__emulator/sessions/${expired}/expire`, { method: 'POST' });
    const res = await create(h, { avatarId: 'music-superstar' }, '/api/avatar/session?shape=sessionKey');
    expect(res.status).toBe(200);
    expect(res.body.sessionId).not.toBe(expired);
  });

  it('a consume that fails (5xx) falls back within the deadline: the client sees latency, not an error', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:2' });
    await eventually(() => idle(h, 'music-superstar') === 2);
    h.emulator.addFault({ operation: 'realtimeSessions.consume', action: { type: 'status', status: 500 }, times: 1 });
    const res = await create(h);
    expect(res.status).toBe(200);
    const consumed = h.emulator.ledger().sessions.filter((s) => s.consumeSuccesses === 1);
    expect(consumed.map((s) => s.id)).toEqual([res.body.sessionId]);
  });
});

describe('warm pool: capacity, fairness, bypass', () => {
  it('gives up an idle session when a cold request would be refused CAPACITY_EXHAUSTED', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:2', GLOBAL_MAX_SESSIONS: '2' });
    await eventually(() => idle(h, 'music-superstar') === 2);
    const pooledIds = readyIds(h);
    const res = await create(h, { avatarId: 'cat-character' }); // not pooled, needs a slot
    expect(res.status).toBe(200);
    expect(pooledIds).not.toContain(res.body.sessionId);
    expect(pooledIds.filter((id) => sessionOf(h.emulator, id).status === 'CANCELLED')).toHaveLength(1);
    expect(await metrics(h)).toMatch(/broker_pool_retired_total\{avatar="music-superstar",reason="evicted"\} 1/);
    expect(await h.broker.admission.count()).toBeLessThanOrEqual(2);
  });

  it('takes a pooled session without double counting the global slot', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:2', WARM_POOL_MAX: '2' });
    await eventually(() => idle(h, 'music-superstar') === 2);
    expect(await h.broker.admission.count()).toBe(2);
    const res = await create(h);
    expect(res.status).toBe(200);
    await eventually(() => idle(h, 'music-superstar') === 2);
    expect(await h.broker.admission.count()).toBe(3); // 1 delivered + 2 pooled
  });

  it('requests with overrides, another maxDuration or an unpooled avatar take the cold path', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:1' });
    await eventually(() => idle(h, 'music-superstar') === 1);
    const [pooled] = readyIds(h);
    const shorter = await create(h, { avatarId: 'music-superstar', maxDuration: 60 }).set(admin);
    const other = await create(h, { avatarId: 'cat-character' });
    for (const [res, auth] of [[shorter, admin], [other, {}]] as const) {
      expect(res.status).toBe(200);
      expect(res.body.sessionId).not.toBe(pooled);
      expect((await request(h.app).get(`/api/avatar/session/${res.body.sessionId}`).set(auth)).body.pooled).toBe(false);
    }
    expect(sessionOf(h.emulator, pooled!).status).toBe('READY');
    expect(avatarState(h, 'music-superstar')).toMatchObject({ hits: 0, misses: 0 });
  });

  it("still applies the caller's concurrency cap, avatar allow-list and idempotency", async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:3', CLIENTS_JSON: CLIENTS });
    await eventually(() => idle(h, 'music-superstar') === 3);
    const app = { Authorization: 'Bearer app-key-0123456789abcdef' };
    const key = randomUUID();
    const first = await create(h).set(app).set('Idempotency-Key', key);
    expect(first.status).toBe(200);
    const again = await create(h).set(app).set('Idempotency-Key', key);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CREDENTIALS_ALREADY_DELIVERED');
    const second = await create(h).set(app);
    expect(second.status).toBe(429);
    expect(second.body.code).toBe('CONCURRENCY_LIMIT');
    expect(avatarState(h, 'music-superstar')!.hits).toBe(1);
  });
});

describe('warm pool: auto sizing', () => {
  it('grows under load and shrinks to zero when the avatar goes quiet', async () => {
    const h = await broker(
      { WARM_POOL: 'cat-character:auto', WARM_POOL_MAX: '5', WARM_POOL_MAX_IDLE_S: '86400' },
      { sessionKeyTtlMs: 3_600_000, readiness: { kind: 'fixed', ms: 100 } },
    );
    expect(avatarState(h, 'cat-character')).toMatchObject({ size: 'auto', target: 0 });
    const responses = await Promise.all(Array.from({ length: 30 }, () => create(h, { avatarId: 'cat-character' })));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await h.broker.pool.tick();
    expect(avatarState(h, 'cat-character')!.target).toBeGreaterThan(0);
    await eventually(() => idle(h, 'cat-character') > 0);
    const held = readyIds(h);
    const quiet = Date.now() + 10 * 60_000;
    await h.broker.pool.tick(quiet);
    expect(h.broker.pool.state(quiet).avatars[0]!.target).toBe(0);
    await eventually(() => held.every((id) => sessionOf(h.emulator, id).status === 'CANCELLED'));
  });
});

describe('warm pool: admin API and shutdown', () => {
  it('GET /api/pool shows the pool; PUT resizes and DELETE drains one avatar at run time', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:1' });
    expect((await request(h.app).get('/api/pool')).status).toBe(401);
    await eventually(() => idle(h, 'music-superstar') === 1);
    const state = await request(h.app).get('/api/pool').set(admin);
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ max: 10, held: 1, avatars: [{ avatarId: 'music-superstar', size: 1, target: 1, idle: 1, metricsLabel: 'music-superstar' }] });
    const put = await request(h.app).put('/api/pool/cat-character').set(admin).send({ size: 2 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ avatarId: 'cat-character', size: 2, target: 2, metricsLabel: 'other' });
    await eventually(() => idle(h, 'cat-character') === 2);
    expect(await metrics(h)).toMatch(/broker_pool_idle\{avatar="other"\} 2/);
    expect((await request(h.app).put('/api/pool/not-an-avatar').set(admin).send({ size: 1 })).body.code).toBe('INVALID_REQUEST');
    expect((await request(h.app).put('/api/pool/cat-character').set(admin).send({ size: -1 })).body.code).toBe('INVALID_REQUEST');
    const held = readyIds(h).filter((id) => sessionOf(h.emulator, id).avatar.type === 'runway-preset' && (sessionOf(h.emulator, id).avatar as { presetId: string }).presetId === 'cat-character');
    expect((await request(h.app).delete('/api/pool/cat-character').set(admin)).status).toBe(204);
    for (const id of held) expect(sessionOf(h.emulator, id).status).toBe('CANCELLED');
    expect(await metrics(h)).toMatch(/broker_pool_retired_total\{avatar="other",reason="reconfigured"\} 2/);
    expect((await request(h.app).delete('/api/pool/cat-character').set(admin)).status).toBe(404);
  });

  it('shutdown cancels every pooled session, idle or provisioning: 0 orphans in the ledger', async () => {
    const emulator = await startEmulator({ settings: { apiKey: EMULATOR_KEY, readiness: { kind: 'fixed', ms: 50 }, concurrencyLimit: 1000 } });
    try {
      const h = await broker({ WARM_POOL: 'music-superstar:2,cat-character:1' }, {}, emulator);
      await eventually(() => idle(h, 'music-superstar') === 2 && idle(h, 'cat-character') === 1);
      emulator.updateSettings({ readiness: { kind: 'fixed', ms: 60_000 } });
      h.broker.pool.resize('influencer', 2); // two still provisioning at shutdown
      await eventually(() => emulator.ledger().sessions.length === 5);
      await harnesses.pop()!.close();
      const ledger = emulator.ledger();
      expect(ledger.orphans).toBe(0);
      expect(ledger.totals.byStatus.CANCELLED).toBe(5);
      expect(await metrics(h)).toMatch(/broker_pool_retired_total\{avatar="music-superstar",reason="shutdown"\} 2/);
    } finally {
      await emulator.close();
    }
  });

  it('WARM_POOL refuses malformed entries and unknown avatars at boot', () => {
    expect(() => loadConfig({ WARM_POOL: 'music-superstar:lots' })).toThrow(/avatarId:size or avatarId:auto/);
    expect(() => loadConfig({ WARM_POOL: 'music-superstar:1,music-superstar:2' })).toThrow(/listed twice/);
    expect(() => poolSettings(loadConfig({ WARM_POOL: 'not-a-preset:2' }))).toThrow(/WARM_POOL: "not-a-preset" is neither a preset/);
    const uuid = randomUUID().toUpperCase();
    expect(poolSettings(loadConfig({ WARM_POOL: `music-superstar:2, ${uuid}:auto` })).entries).toEqual([
      { avatar: { type: 'runway-preset', id: 'music-superstar' }, size: 2 },
      { avatar: { type: 'custom', id: uuid.toLowerCase() }, size: 'auto' },
    ]);
    expect(loadConfig({}).WARM_POOL).toEqual([]);
  });
});

describeWithRedis('warm pool with Redis: keys stay in memory', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  it('no sessionKey reaches Redis or the logs', async () => {
    const prefix = `p-${randomUUID().slice(0, 8)}:`;
    const h = await startHarness(
      { WARM_POOL: 'music-superstar:3', SESSION_EXPECTED_READY_MS: '100', SESSION_KEY_SHAPE_ENABLED: 'true' },
      {},
      { stores: redisStores(redis.url, prefix) },
    );
    harnesses.push(h);
    await eventually(() => idle(h, 'music-superstar') === 3, 10_000); // the pool retries while Redis connects
    const keys: string[] = [];
    for (const id of readyIds(h)) {
      const upstream = await fetch(`${h.emulator.url}/v1/realtime_sessions/${id}`, { headers: { Authorization: `Bearer ${EMULATOR_KEY}`, 'X-Runway-Version': '2024-11-06' } });
      keys.push(((await upstream.json()) as { sessionKey: string }).sessionKey);
    }
    expect(keys).toHaveLength(3);
    const credentials = await create(h);
    const handed = await create(h, { avatarId: 'music-superstar' }, '/api/avatar/session?shape=sessionKey');
    expect(credentials.status).toBe(200);
    expect(handed.status).toBe(200);
    expect(keys).toContain(handed.body.sessionKey); // the one delivery
    await request(h.app).get('/api/pool').set(admin);
    const client = new Redis(redis.url);
    try {
      const stored: string[] = [];
      for (const key of await client.keys(`${prefix}*`)) {
        const type = await client.type(key);
        stored.push(key, type === 'string' ? ((await client.get(key)) ?? '') : JSON.stringify(type === 'hash' ? await client.hgetall(key) : type === 'zset' ? await client.zrange(key, "0", "-1") : []));
      }
      expect(stored.length).toBeGreaterThan(0);
      const everything = stored.join('\n') + h.logs.text() + (await metrics(h));
      for (const key of keys) expect(everything).not.toContain(key);
    } finally {
      client.disconnect();
    }
  });
});

describe('warm pool: crash safety (journal)', () => {
  it('journals every pooled session under pool:, hands the entry to the client on take, and closes it on cancel', async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:2', WARM_POOL_MAX_IDLE_S: '20' }, { sessionKeyTtlMs: 600_000 });
    await eventually(() => idle(h, 'music-superstar') === 2);
    const journal = h.broker.stores.journal;
    const pooled = readyIds(h);
    const entries = await journal.list();
    expect(entries.filter((e) => pooled.includes(e.sessionId)).map((e) => [e.clientId, e.state])).toEqual([
      ['pool:', 'pending'],
      ['pool:', 'pending'],
    ]);
    const res = await create(h);
    expect(pooled).toContain(res.body.sessionId);
    // Delivered and handed to the follower: the journal no longer owes anything for it.
    expect((await journal.list()).map((e) => e.sessionId)).not.toContain(res.body.sessionId);
    const left = pooled.find((id) => id !== res.body.sessionId)!;
    await h.broker.pool.tick(Date.now() + 21_000); // idle limit: cancelled, entry closed
    await eventually(() => sessionOf(h.emulator, left).status === 'CANCELLED');
    await eventually(() => h.emulator.ledger().sessions.filter((s) => s.status === 'READY').length === 2);
    const after = await journal.list();
    expect(after.map((e) => e.sessionId)).not.toContain(left);
  });

  it("a dead replica's pooled sessions are cancelled by another replica's reaper", async () => {
    const h = await broker({ WARM_POOL: 'music-superstar:2' }, { sessionKeyTtlMs: 600_000 });
    await eventually(() => idle(h, 'music-superstar') === 2);
    const journal = h.broker.stores.journal;
    const pooled = readyIds(h);
    // What a crashed replica leaves behind: its pooled entries, owned by an incarnation that stopped beating.
    const dead = { replicaId: 'crashed', incarnation: randomUUID() };
    for (const e of await journal.list()) if (pooled.includes(e.sessionId)) await journal.put({ ...e, owner: dead, since: Date.now() - 3_600_000 });
    await h.broker.reaper.sweep();
    for (const id of pooled) expect(sessionOf(h.emulator, id).cancelledAt).not.toBeNull();
    // This replica's pool notices at its next check and replaces them.
    await h.broker.pool.tick(Date.now(), { checkAll: true });
    await eventually(() => idle(h, 'music-superstar') === 2 && readyIds(h).every((id) => !pooled.includes(id)));
  });
});
