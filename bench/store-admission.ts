// What does sharing state through Redis cost a session request?
//
// 1. Admission latency: `pairs` sequential acquire+release pairs through the broker's Admission
//    (the call every POST /api/avatar/session makes before any upstream call, and its release),
//    on the in-memory store and on the Redis store (a local redis-server on loopback).
// 2. Throughput of POST /api/avatar/session against the emulator with zero readiness delay: one
//    broker on memory, one broker on Redis, and two broker instances sharing one Redis with the
//    load split between them. Brokers are in-process apps (createBroker) on loopback ports, in this
//    one Node process with the emulator and the load generator; `requests` per run (after 200
//    warm-up requests), `concurrency` requests in flight.
//
//   npm run bench:stores -- [pairs=2000] [requests=2000] [concurrency=64]
//
// Uses REDIS_URL when set, otherwise starts `redis-server` on a free port (--save '' --appendonly no).
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createBroker, type Broker } from '../src/app';
import { loadConfig } from '../src/config';
import { startEmulator } from '../src/emulator';
import { Admission } from '../src/sessions/admission';
import { memoryStores } from '../src/store/memory';
import { createRedisStores } from '../src/store/redis';
import type { Stores } from '../src/store/types';
import { fmt, mean, quantile } from './stats';
import { localRedis } from './local';

const PAIRS = Number(process.argv[2] ?? 2000);
const REQUESTS = Number(process.argv[3] ?? 2000);
const CONCURRENCY = Number(process.argv[4] ?? 64);
const KEY = 'bench-key';
const logger = pino({ level: 'silent' });



const redisStores = (url: string, prefix: string) =>
  createRedisStores({ url, prefix, commandTimeoutMs: 1000, recordRetainMs: 3_600_000, logger });

async function ready(stores: Stores): Promise<void> {
  for (let i = 0; i < 200 && !(await stores.healthy()); i += 1) await new Promise((r) => setTimeout(r, 10));
}

/** Milliseconds of each admit+release pair, after a warm-up. */
async function admissionLatency(stores: Stores): Promise<number[]> {
  const admission = new Admission(stores.admission, 1_000_000, 60_000, logger);
  const once = async () => {
    const lease = await admission.admit('bench-client', 1_000_000);
    await admission.release(lease, 'bench-client');
  };
  for (let i = 0; i < 200; i += 1) await once();
  const samples: number[] = [];
  for (let i = 0; i < PAIRS; i += 1) {
    const t0 = performance.now();
    await once();
    samples.push(performance.now() - t0);
  }
  return samples;
}

interface Instance {
  broker: Broker;
  server: Server;
  origin: string;
}

async function startBroker(emulatorUrl: string, stores: Stores): Promise<Instance> {
  const config = loadConfig({
    NODE_ENV: 'test',
    RUNWAY_MODE: 'emulator',
    GLOBAL_MAX_SESSIONS: '100000',
    ANONYMOUS_RATE_PER_MIN: '100000',
    ANONYMOUS_MAX_CONCURRENT: '10000',
  });
  const broker = createBroker({ config, logger, upstream: { baseURL: emulatorUrl, apiKey: KEY }, stores });
  const server = broker.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { broker, server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stopBroker(instance: Instance): Promise<void> {
  instance.server.closeAllConnections();
  instance.server.close();
  await instance.broker.shutdown(0);
}

/** REQUESTS session creations (after `warmup` uncounted ones), CONCURRENCY at a time, round-robin over the instances. */
async function throughput(instances: Instance[], total = REQUESTS, warmup = 200): Promise<{ rps: number; p50: number; p99: number; failed: number }> {
  if (warmup > 0) await throughput(instances, warmup, 0);
  let next = 0;
  let failed = 0;
  const latencies: number[] = [];
  const worker = async () => {
    for (;;) {
      const n = next++;
      if (n >= total) return;
      const { origin } = instances[n % instances.length]!;
      const t0 = performance.now();
      const res = await fetch(`${origin}/api/avatar/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"avatarId":"music-superstar"}' });
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (res.status !== 200) failed += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { rps: total / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), failed };
}

async function main() {
  const redis = await localRedis(logger);

  // 1. Admission latency.
  const memory = memoryStores(3_600_000);
  const shared = redisStores(redis.url, `bench-${randomUUID().slice(0, 8)}:`);
  await ready(shared);
  const rows: [string, number[]][] = [
    ['memory', await admissionLatency(memory)],
    ['redis (loopback)', await admissionLatency(shared)],
  ];
  await shared.close();
  console.log(`\nAdmission: ${PAIRS} sequential admit+release pairs (after 200 warm-up pairs)`);
  console.log('| store | median (ms) | p99 (ms) | mean (ms) |');
  console.log('|---|---|---|---|');
  for (const [label, samples] of rows) console.log(`| ${label} | ${fmt(quantile(samples, 0.5), 3)} | ${fmt(quantile(samples, 0.99), 3)} | ${fmt(mean(samples), 3)} |`);

  // 2. Session creation throughput.
  const emulator = await startEmulator({
    settings: { apiKey: KEY, readiness: { kind: 'fixed', ms: 0 }, concurrencyLimit: 1_000_000, creditBalance: 1e12, avatarProcessingMs: 0 },
  });
  const setups: [string, () => Stores[]][] = [
    ['1 broker, memory', () => [memoryStores(3_600_000)]],
    ['1 broker, Redis', () => [redisStores(redis.url, `tp-${randomUUID().slice(0, 8)}:`)]],
    [
      '2 brokers, one Redis',
      () => {
        const prefix = `tp-${randomUUID().slice(0, 8)}:`;
        return [redisStores(redis.url, prefix), redisStores(redis.url, prefix)];
      },
    ],
  ];
  const results: [string, Awaited<ReturnType<typeof throughput>>][] = [];
  for (const [label, make] of setups) {
    const stores = make();
    await Promise.all(stores.map(ready));
    const instances = await Promise.all(stores.map((s) => startBroker(emulator.url, s)));
    results.push([label, await throughput(instances)]);
    await Promise.all(instances.map(stopBroker));
  }
  console.log(`\nPOST /api/avatar/session: ${REQUESTS} requests (after 200 warm-up), ${CONCURRENCY} in flight, emulator readiness 0 ms, in-process brokers on loopback`);
  console.log('| setup | requests/s | median latency (ms) | p99 latency (ms) | non-200 |');
  console.log('|---|---|---|---|---|');
  for (const [label, r] of results) console.log(`| ${label} | ${fmt(r.rps)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.failed} |`);
  console.log(`orphans left in the emulator: ${emulator.ledger().orphans}`);

  await emulator.close();
  redis.stop();
  process.exit(0);
}

void main();
