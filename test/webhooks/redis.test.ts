import { spawn } from 'node:child_process';
import { once } from 'node:events';
import request from 'supertest';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { BROKER_MAIN, spawnBroker } from '../support/broker-process';
import { startHarness, type Harness } from '../support/harness';
import { freePort } from '../support/ports';
import { describeWithRedis, redisStores, startRedis, type RedisServer } from '../support/redis';
import { connected } from '../usage/helpers';
import { SECRET, startReceiver, until, type Receiver } from './receiver';

// Durable delivery with Redis (BullMQ): a broker killed mid-retry loses nothing, dead letters are kept
// in Redis and replayed. Real processes (dist/main.js, built by `npm test` / scripts/prepare.sh).

const KEY = 'key_webhook_restart_secret_abcdef';
const ADMIN_KEY = 'admin-key-0123456789abcdef';

describeWithRedis('webhooks on Redis', () => {
  let redis: RedisServer;
  let emulator: EmulatorHandle;
  let receiver: Receiver;
  beforeAll(async () => {
    redis = await startRedis();
    emulator = await startEmulator({ settings: { apiKey: KEY, readiness: { kind: 'fixed', ms: 50 } } });
  });
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());
  afterAll(async () => {
    await emulator?.close();
    await redis?.stop();
  });

  function broker(port: number, prefix: string) {
    const child = spawnBroker({
      port,
      upstream: emulator.url,
      key: KEY,
      env: {
        ANONYMOUS_SESSIONS: 'on',
        REDIS_URL: redis.url,
        REDIS_PREFIX: prefix,
        WEBHOOK_URL: receiver.url,
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_RETRY_BASE_MS: '50',
        WEBHOOK_RETRY_MAX_MS: '200',
        WEBHOOK_TIMEOUT_MS: '1000',
      },
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    return { child, output: () => output };
  }

  const ready = (port: number) => until(() => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false), 20_000);

  it('a broker killed mid-retry still delivers every event, in order, after a restart', async () => {
    receiver.down = true;
    const port = await freePort();
    const first = broker(port, 'r1:');
    try {
      await ready(port);
      const origin = `http://127.0.0.1:${port}`;
      const session = await request(origin).post('/api/avatar/session').send({ avatarId: 'music-superstar' }).expect(200);
      const id = session.body.sessionId as string;
      await request(origin).delete(`/api/avatar/session/${id}`).expect(204);
      await until(() => receiver.refused >= 3); // retrying
    } finally {
      const exited = once(first.child, 'exit');
      first.child.kill('SIGKILL');
      await exited;
    }
    expect(receiver.received).toEqual([]);
    receiver.down = false;

    const second = broker(port, 'r1:');
    try {
      await ready(port);
      await until(() => receiver.received.length >= 3, 30_000);
      expect(receiver.received.map((m) => m.type)).toEqual(['session.delivered', 'session.ended', 'conversation.ready']);
      expect(receiver.forged).toBe(0);
    } finally {
      const exited = once(second.child, 'exit');
      second.child.kill('SIGKILL');
      await exited;
    }
  }, 60_000);

  it('refuses to boot with an internal webhook URL (exit 78)', async () => {
    const child = spawn(process.execPath, [BROKER_MAIN], {
      env: { PATH: process.env.PATH, PORT: String(await freePort()), RUNWAY_MODE: 'emulator', WEBHOOK_URL: 'http://169.254.169.254/latest', WEBHOOK_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'exit');
    expect(code).toBe(78);
    expect(stderr).toContain('WEBHOOK_URL: points at a loopback, private or link-local address');
  });

  describe('in process', () => {
    let h: Harness;
    afterEach(() => h?.close());

    it('keeps dead letters in Redis and replays them', async () => {
      h = await startHarness(
        { ADMIN_API_KEYS: `ops:${ADMIN_KEY}`, WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_RETRY_MAX_MS: '50', WEBHOOK_RETRY_WINDOW_S: '1' },
        {},
        { stores: redisStores(redis.url, 'dl:') },
      );
      await connected(h);
      receiver.down = true;
      const id = (await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' }).expect(200)).body.sessionId as string;
      const list = async () => (await request(h.app).get('/api/webhooks/dead-letters').set('authorization', `Bearer ${ADMIN_KEY}`).expect(200)).body;
      await until(async () => (await list()).deadLetters.length === 1, 30_000);
      const body = await list();
      expect(body.durable).toBe(true);
      expect(body.deadLetters[0]).toMatchObject({ type: 'session.delivered', sessionId: id, lastError: 'receiver answered 503' });
      receiver.down = false;
      await request(h.app).post(`/api/webhooks/dead-letters/${encodeURIComponent(body.deadLetters[0].id)}/replay`).set('authorization', `Bearer ${ADMIN_KEY}`).expect(202);
      await until(() => receiver.received.some((m) => m.type === 'session.delivered' && m.data.sessionId === id));
      await until(async () => (await list()).deadLetters.length === 0);
    }, 60_000);
  });
});
