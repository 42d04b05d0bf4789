// What do budgets and webhooks cost?
//
// 1. Budget check: `checks` sequential reserve + refund pairs through the broker's Budgets (the Lua
//    reserve over a client's day and month counters that every budgeted POST /api/avatar/session runs
//    before any upstream call, then the refund of a session that never reached a client), memory vs
//    Redis on loopback. Target: ≤ 1 ms median with Redis on loopback.
// 2. Delivery latency: `sessions` real sessions (emulator, zero readiness delay), each ended with
//    DELETE; time from the `ended` fact (the payload's timestamp) to receipt of its signed
//    session.ended at a receiver on loopback that verifies every signature (standardwebhooks).
// 3. Deliveries per second: a burst of `burst` session.delivered webhooks into the queue, time until
//    the receiver has verified all of them (WEBHOOK_CONCURRENCY in flight).
// Each of 2 and 3 on the in-memory queue and on BullMQ (Redis on loopback). Broker, emulator,
// receiver and load generator share this one Node process.
//
//   npm run bench:webhooks -- [checks=2000] [sessions=200] [burst=2000]
//
// Uses REDIS_URL when set, otherwise starts `redis-server` on a free port (--save '' --appendonly no).
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { createBroker, type Broker } from '../src/app';
import { loadConfig } from '../src/config';
import { startEmulator } from '../src/emulator';
import { memoryStores } from '../src/store/memory';
import { createRedisStores } from '../src/store/redis';
import type { SessionRecord } from '../src/store/registry';
import type { Stores } from '../src/store/types';
import { Budgets } from '../src/usage/budgets';
import { fmt, mean, quantile } from './stats';
import { localRedis } from './local';

const CHECKS = Number(process.argv[2] ?? 2000);
const SESSIONS = Number(process.argv[3] ?? 200);
const BURST = Number(process.argv[4] ?? 2000);
const KEY = 'bench-key';
const SECRET = `whsec_${Buffer.from('a bench secret of thirty-two byte').toString('base64')}`;
const logger = pino({ level: 'silent' });



const redisStores = (url: string, prefix: string) => createRedisStores({ url, prefix, commandTimeoutMs: 1000, recordRetainMs: 3_600_000, logger });

async function ready(stores: Stores): Promise<void> {
  for (let i = 0; i < 200 && !(await stores.healthy()); i += 1) await new Promise((r) => setTimeout(r, 10));
}

/** Milliseconds of each budget reserve (and, separately, its refund). */
async function budgetCheck(stores: Stores): Promise<{ reserve: number[]; refund: number[] }> {
  const budgets = new Budgets({
    store: stores.budgets,
    clients: new Map([['key:bench', { minutesPerDay: 1e9, minutesPerMonth: 1e9, sessionsPerDay: 1e9 }]]),
    anonymous: { perAddress: {}, global: {} },
  });
  const reserve: number[] = [];
  const refund: number[] = [];
  for (let i = 0; i < 200 + CHECKS; i += 1) {
    const lease = randomUUID();
    const t0 = performance.now();
    await budgets.admit(lease, 'key:bench', { maxDuration: 300, avatarId: 'music-superstar' });
    const t1 = performance.now();
    await budgets.released(lease);
    const t2 = performance.now();
    if (i >= 200) {
      reserve.push(t1 - t0);
      refund.push(t2 - t1);
    }
  }
  return { reserve, refund };
}

interface Receipt {
  type: string;
  lagMs: number;
}

async function startReceiver() {
  const verifier = new Webhook(SECRET);
  const receipts: Receipt[] = [];
  let forged = 0;
  const server = createHttpServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      try {
        const message = verifier.verify(raw, req.headers as Record<string, string>) as { type: string; timestamp: string };
        receipts.push({ type: message.type, lagMs: Date.now() - Date.parse(message.timestamp) });
        res.writeHead(204).end();
      } catch {
        forged += 1;
        res.writeHead(400).end();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { receipts, forged: () => forged, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, close: () => server.close() };
}

async function until(predicate: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('benchmark condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function deliveries(emulatorUrl: string, stores: Stores) {
  const receiver = await startReceiver();
  const config = loadConfig({
    NODE_ENV: 'test',
    RUNWAY_MODE: 'emulator',
    GLOBAL_MAX_SESSIONS: '100000',
    ANONYMOUS_RATE_PER_MIN: '100000',
    ANONYMOUS_MAX_CONCURRENT: '10000',
    READ_RATE_PER_MIN: '100000', // DELETE is a read-limited route
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_ALLOW_PRIVATE: 'true',
  });
  const broker: Broker = createBroker({ config, logger, upstream: { baseURL: emulatorUrl, apiKey: KEY }, stores });
  await ready(stores);
  const server = broker.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Latency: real sessions, ended one after another.
  for (let i = 0; i < SESSIONS; i += 1) {
    const res = await fetch(`${origin}/api/avatar/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ avatarId: 'music-superstar' }) });
    const { sessionId } = (await res.json()) as { sessionId: string };
    await fetch(`${origin}/api/avatar/session/${sessionId}`, { method: 'DELETE' });
  }
  const ended = () => receiver.receipts.filter((r) => r.type === 'session.ended');
  await until(() => ended().length >= SESSIONS).catch((err: unknown) => {
    console.error({ receipts: receiver.receipts.length, ended: ended().length, forged: receiver.forged() });
    throw err;
  });
  const lags = ended().map((r) => r.lagMs);

  // Throughput: a burst of session.delivered webhooks (synthetic records, as the orchestrator emits them).
  const before = receiver.receipts.filter((r) => r.type === 'session.delivered').length;
  const t0 = performance.now();
  const at = new Date().toISOString();
  await Promise.all(
    Array.from({ length: BURST }, () => {
      const record: SessionRecord = { id: randomUUID(), owner: 'anon:127.0.0.1', avatar: { type: 'runway-preset', id: 'music-superstar' }, shape: 'credentials', status: 'delivered', maxDuration: 300, createdAt: at, deliveredAt: at };
      return broker.webhooks.onSessionEvent({ type: 'delivered', at, record });
    }),
  );
  await until(() => receiver.receipts.filter((r) => r.type === 'session.delivered').length >= before + BURST);
  const seconds = (performance.now() - t0) / 1000;

  server.closeAllConnections();
  server.close();
  await broker.shutdown(0);
  receiver.close();
  return { lags, perSecond: BURST / seconds, forged: receiver.forged() };
}

async function main(): Promise<void> {
  const redis = await localRedis(logger);
  const emulator = await startEmulator({ settings: { apiKey: KEY, readiness: { kind: 'fixed', ms: 0 }, concurrencyLimit: 100_000 } });
  try {
    console.log(`## Budget check: ${CHECKS} sequential reserve + refund pairs (after 200 warm-up)\n`);
    console.log('| store | reserve median (ms) | reserve p99 (ms) | reserve mean (ms) | refund median (ms) |');
    console.log('|---|---|---|---|---|');
    for (const [name, stores] of [
      ['memory', memoryStores(3_600_000)],
      ['Redis on loopback', redisStores(redis.url, `bench-b${Date.now()}:`)],
    ] as const) {
      await ready(stores);
      const { reserve, refund } = await budgetCheck(stores);
      console.log(`| ${name} | ${fmt(quantile(reserve, 0.5), 3)} | ${fmt(quantile(reserve, 0.99), 3)} | ${fmt(mean(reserve), 3)} | ${fmt(quantile(refund, 0.5), 3)} |`);
      await stores.close();
    }

    console.log(`\n## Webhooks: ${SESSIONS} sessions ended one by one (latency), then a burst of ${BURST} (throughput)\n`);
    console.log('| queue | end → receipt p50 (ms) | p99 (ms) | max (ms) | deliveries/s | bad signatures |');
    console.log('|---|---|---|---|---|---|');
    for (const [name, make] of [
      ['memory', () => memoryStores(3_600_000)],
      ['BullMQ on Redis (loopback)', () => redisStores(redis.url, `bench-w${Date.now()}:`)],
    ] as const) {
      const { lags, perSecond, forged } = await deliveries(emulator.url, make());
      console.log(`| ${name} | ${fmt(quantile(lags, 0.5), 1)} | ${fmt(quantile(lags, 0.99), 1)} | ${fmt(Math.max(...lags), 1)} | ${fmt(perSecond)} | ${forged} |`);
    }
  } finally {
    await emulator.close();
    redis.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
