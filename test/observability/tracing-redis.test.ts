import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { spawnBroker } from '../support/broker-process';
import { eventually } from '../support/harness';
import { freePort } from '../support/ports';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver';

// With Redis, the ioredis instrumentation adds spans under the request. The idempotency store keeps
// the delivered response (credentials included) in Redis: no command argument may reach a span.

const KEY = 'key_tracing_redis_secret_0123456789';

describeWithRedis('tracing with the Redis store', () => {
  let emulator: EmulatorHandle;
  let receiver: OtlpReceiver;
  let redis: RedisServer;
  let broker: ChildProcess;
  let origin: string;
  let out = '';

  beforeAll(async () => {
    emulator = await startEmulator({ settings: { apiKey: KEY, readiness: { kind: 'fixed', ms: 200 }, concurrencyLimit: 100 } });
    receiver = await startOtlpReceiver();
    redis = await startRedis();
    const port = await freePort();
    broker = spawnBroker({
      port,
      upstream: emulator.url,
      key: KEY,
      env: {
        LOG_LEVEL: 'info', // it waits for the "broker listening" line
        REDIS_URL: redis.url,
        ANONYMOUS_SESSIONS: 'on',
        GLOBAL_MAX_SESSIONS: '100',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
    });
    broker.stdout!.on('data', (d) => (out += d));
    broker.stderr!.on('data', (d) => (out += d));
    origin = `http://127.0.0.1:${port}`;
    await eventually(() => out.includes('broker listening'), 45_000);
    // Listening is not ready: the first request must not race the Redis connection.
    await eventually(async () => (await fetch(`${origin}/readyz`)).ok, 20_000);
  }, 60_000);

  afterAll(async () => {
    broker?.kill('SIGKILL');
    if (broker && broker.exitCode === null) await once(broker, 'exit');
    await receiver?.close();
    await redis?.stop();
    await emulator?.close();
  });

  it('traces Redis commands under the request without their arguments', async () => {
    const traceId = randomBytes(16).toString('hex');
    const res = await fetch(`${origin}/api/avatar/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, 'idempotency-key': `idem-${traceId}` },
      body: JSON.stringify({ avatarId: 'music-superstar' }),
    });
    expect(res.status).toBe(200);
    const { token, sessionId } = (await res.json()) as { token: string; sessionId: string };
    await eventually(() => receiver.spans.some((s) => s.traceId === traceId && s.kind === 2), 10_000);
    const redisSpans = receiver.spans.filter((s) => s.traceId === traceId && s.attributes['db.system.name'] === 'redis');
    expect(redisSpans.length).toBeGreaterThan(0);
    for (const span of redisSpans) {
      const text = String(span.attributes['db.query.text'] ?? span.attributes['db.statement'] ?? '');
      expect(text).toMatch(/^[a-z]+$/i); // the command name only
    }
    const everything = receiver.raw.join('\n');
    for (const secret of [token, KEY, `idem-${traceId}`]) expect(everything).not.toContain(secret);
    expect(everything).toContain(sessionId); // ids are fine, and prove the session spans arrived
  });
});
