import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import request from 'supertest';
import { eventually, startHarness, type Harness } from '../support/harness';
import { freePort } from '../support/ports';
import { describeWithRedis, redisStores, startRedis, type RedisServer } from '../support/redis';

// Redis dies mid-run and comes back: session creation fails closed (503 STORE_UNAVAILABLE, fast,
// never a 500 or a hang), /readyz says 503, reads that need no shared state fail open, nothing
// crashes, the outage is logged once, and everything recovers without restarting the broker.

const CLIENTS = JSON.stringify([{ name: 'app', key: 'app-key-0123456789abcdef', scopes: ['sessions:create', 'sessions:read'] }]);
const ADMIN = 'admin-key-0123456789';
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

// Every wait is on a condition (a log line, a status); the bound only turns a real hang into a
// failure, so it is generous: a busy machine may take seconds to start Redis or notice it died.
const PATIENCE = 30_000;
jest.setTimeout(4 * PATIENCE);
// A hang is unbounded; a busy machine can still stretch a 300 ms command timeout to a few seconds.
// How long the timeout really costs is a benchmark figure, not a timed test.
const HANG = 10_000;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

describeWithRedis('Redis outage (in-process broker)', () => {
  let redis: RedisServer;
  let h: Harness;
  beforeEach(async () => {
    redis = await startRedis();
    unhandled.length = 0;
  });
  afterEach(async () => {
    await h?.close();
    await redis?.stop();
  });

  /** Retries a create until Redis serves it again (reconnection takes a moment), bounded by PATIENCE. */
  const firstServed = async (): Promise<request.Response> => {
    const until = Date.now() + PATIENCE;
    for (;;) {
      const res = await start();
      if (res.status === 200 || Date.now() > until) return res;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const start = (headers: Record<string, string> = {}) => request(h.app).post('/api/avatar/session').set(bearer('app-key-0123456789abcdef')).set(headers).send({ avatarId: 'music-superstar' });

  it('fails closed on create, reports unready, fails open on cheap reads, logs once, and recovers by itself', async () => {
    h = await startHarness({ CLIENTS_JSON: CLIENTS, ADMIN_API_KEYS: `ops:${ADMIN}`, REDIS_COMMAND_TIMEOUT_MS: '500' }, {}, { stores: redisStores(redis.url, 'outage:') });
    await eventually(() => h.logs.text().includes('shared store connected'), PATIENCE);
    const before = await start();
    expect(before.status).toBe(200);
    expect((await request(h.app).get('/readyz')).body).toMatchObject({ status: 'ready', checks: { stores: { redis: 'ok' } } });

    await redis.kill();
    await eventually(() => h.logs.text().includes('shared store down'), PATIENCE);

    for (let i = 0; i < 5; i += 1) {
      const t0 = Date.now();
      const refused = await start(i % 2 ? { 'Idempotency-Key': `k-${i}` } : {});
      expect(Date.now() - t0).toBeLessThan(HANG); // bounded by REDIS_COMMAND_TIMEOUT_MS, not hanging
      expect([refused.status, refused.body.code]).toEqual([503, 'STORE_UNAVAILABLE']);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(h.emulator.ledger().sessions).toHaveLength(1); // refused before any upstream call

    const ready = await request(h.app).get('/readyz');
    expect([ready.status, ready.body.checks.stores]).toEqual([503, { redis: 'down' }]);
    expect((await request(h.app).get('/livez')).status).toBe(200);
    // The reads limiter fails open; the record itself lives in Redis, so the read is a 503, never a 500.
    const status = await request(h.app).get(`/api/avatar/session/${before.body.sessionId}`).set(bearer('app-key-0123456789abcdef'));
    expect([status.status, status.body.code]).toEqual([503, 'STORE_UNAVAILABLE']);
    // Management reads need no shared state: their limiter fails open and they are served.
    expect((await request(h.app).get('/api/presets').set(bearer(ADMIN))).status).toBe(200);
    expect((await request(h.app).get('/metrics')).status).toBe(200);

    await redis.restart();
    await eventually(() => h.logs.text().includes('shared store back'), PATIENCE);
    const after = await firstServed();
    expect(after.status).toBe(200);
    expect((await request(h.app).get('/readyz')).status).toBe(200);
    expect((await request(h.app).get(`/api/avatar/session/${after.body.sessionId}`).set(bearer('app-key-0123456789abcdef'))).body.status).toBe('delivered');

    const lines = h.logs.lines.map((l) => JSON.parse(l) as { msg: string; level: number });
    expect(lines.filter((l) => l.msg.startsWith('shared store down'))).toHaveLength(1);
    expect(lines.filter((l) => l.msg.startsWith('shared store back'))).toHaveLength(1);
    // No error lines besides the access log's own line for each 5xx (no "unhandled request error").
    expect(lines.filter((l) => l.level >= 50 && l.msg !== 'request errored')).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('a session in flight when Redis dies is answered 503 STORE_UNAVAILABLE and cancelled upstream', async () => {
    h = await startHarness({ CLIENTS_JSON: CLIENTS, REDIS_COMMAND_TIMEOUT_MS: '500' }, { readiness: { kind: 'fixed', ms: 1500 } }, { stores: redisStores(redis.url, 'inflight:') });
    await eventually(() => h.logs.text().includes('shared store connected'), PATIENCE);
    const pending = start().then((r) => r); // supertest sends on then()
    await eventually(() => h.emulator.ledger().sessions.length === 1, PATIENCE);
    await redis.kill();
    const res = await pending;
    expect([res.status, res.body.code]).toEqual([503, 'STORE_UNAVAILABLE']);
    await eventually(() => h.emulator.ledger().sessions[0]?.status === 'CANCELLED', PATIENCE); // never orphaned
    expect(unhandled).toEqual([]);
  });

  it('a Redis that stops answering (hung, partitioned) costs a request REDIS_COMMAND_TIMEOUT_MS, never a hang', async () => {
    h = await startHarness({ CLIENTS_JSON: CLIENTS, REDIS_COMMAND_TIMEOUT_MS: '300' }, {}, { stores: redisStores(redis.url, 'hung:') });
    await eventually(() => h.logs.text().includes('shared store connected'), PATIENCE);
    expect((await start()).status).toBe(200);
    redis.pause();
    try {
      const t0 = Date.now();
      const refused = await start();
      expect([refused.status, refused.body.code]).toEqual([503, 'STORE_UNAVAILABLE']);
      expect(Date.now() - t0).toBeLessThan(HANG);
      const t1 = Date.now();
      expect((await request(h.app).get('/readyz')).status).toBe(503);
      expect(Date.now() - t1).toBeLessThan(HANG);
    } finally {
      redis.resume();
    }
    const after = await firstServed();
    expect(after.status).toBe(200);
    await eventually(() => h.logs.text().includes('shared store back'), PATIENCE);
    expect(unhandled).toEqual([]);
  });

  it('boots while Redis is down, unready until it comes', async () => {
    await redis.kill();
    h = await startHarness({ CLIENTS_JSON: CLIENTS, REDIS_COMMAND_TIMEOUT_MS: '500' }, {}, { stores: redisStores(redis.url, 'boot:') });
    expect((await request(h.app).get('/readyz')).status).toBe(503);
    expect((await start()).body.code).toBe('STORE_UNAVAILABLE');
    await redis.restart();
    await eventually(() => h.logs.text().includes('shared store back'), PATIENCE);
    expect((await request(h.app).get('/readyz')).status).toBe(200);
    expect((await start()).status).toBe(200);
  });
});

// The real entry point (dist/main.js, built by `npm test`) reads REDIS_URL and survives the outage.
describeWithRedis('Redis outage (dist/main.js process)', () => {
  let redis: RedisServer;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    child?.kill('SIGKILL');
    await redis?.stop();
  });

  it('keeps running through the outage, 503 while Redis is gone, and serves again when it is back', async () => {
    redis = await startRedis();
    const port = await freePort();
    child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'main.js')], {
      env: { PATH: process.env.PATH, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), REDIS_URL: redis.url, REDIS_PREFIX: 'proc:', LOG_LEVEL: 'info', RUNWAY_MODE: 'emulator' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = once(child, 'exit');
    const base = `http://127.0.0.1:${port}`;
    const readyz = () => fetch(`${base}/readyz`).then((r) => r.status, () => 0);
    const create = () => fetch(`${base}/api/avatar/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"avatarId":"music-superstar"}' });
    const until = async (predicate: () => Promise<boolean>, ms: number) => {
      const end = Date.now() + ms;
      while (!(await predicate())) {
        if (Date.now() > end) throw new Error(`condition not met; broker output:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    await until(async () => (await readyz()) === 200, PATIENCE);
    expect(out).toContain('shared store connected');
    expect((await create()).status).toBe(200);

    await redis.kill();
    await until(async () => (await readyz()) === 503, PATIENCE);
    const refused = await create();
    expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([503, 'STORE_UNAVAILABLE']);

    await redis.restart();
    await until(async () => (await readyz()) === 200, PATIENCE);
    await until(async () => (await create()).status === 200, PATIENCE);
    expect(child.exitCode).toBeNull();
    // One line per change of state: "down" and "back" alternate, never one per failed command. On a
    // busy machine a command that times out after the restart may add a down/back pair of its own.
    const transitions = () => out.match(/shared store (down|back)/g) ?? [];
    await until(async () => transitions().at(-1) === 'shared store back', PATIENCE);
    expect(transitions().length % 2).toBe(0);
    expect(transitions().filter((line, i) => line !== (i % 2 === 0 ? 'shared store down' : 'shared store back'))).toEqual([]);
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  });
});
