// Warm pool (issue 10): the same Poisson workload through the broker with the pool off and on, in one run.
// Three avatars at different rates; provisioning log-normal; the READY key lives only KEY_TTL_MS, so the
// pool has to retire and replace sessions during the run. Time-to-credentials is measured by the client;
// whether a session came from the pool is read from the broker's record; sessions created and orphans
// come from the emulator's ledger, idle session-seconds from the broker's own metric.
//
//   npm run bench:pool -- [seconds=60] [warmupSeconds=30] [seed=7]
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createBroker } from '../src/app';
import { loadConfig } from '../src/config';
import { startEmulator } from '../src/emulator';
import { meanProvisioningMs } from '../src/sessions/pool-sizing';
import { fmt, quantile } from './stats';
// Seeded uniform [0,1) (mulberry32), so both phases see the same arrivals.
import { mulberry32 as rng } from '../src/emulator/random';

const SECONDS = Number(process.argv[2] ?? 60);
const WARMUP_S = Number(process.argv[3] ?? 30);
const SEED = Number(process.argv[4] ?? 7);
const KEY = 'bench-key';
const MEDIAN_MS = 3000;
const SIGMA = 0.4;
const KEY_TTL_MS = 20_000;
const MARGIN_S = 5;
/** Requests per second per avatar. */
const RATES: Record<string, number> = { 'music-superstar': 1.5, 'cat-character': 0.5, influencer: 0.1 };
const WARM_POOL = Object.keys(RATES).map((id) => `${id}:auto`).join(',');

interface Result {
  avatar: string;
  at: number;
  ms: number;
  ok: boolean;
  pooled: boolean;
}


/** Arrival offsets (ms) per avatar: exponential gaps at each rate. */
function schedule(totalMs: number): { avatar: string; at: number }[] {
  const random = rng(SEED);
  const arrivals: { avatar: string; at: number }[] = [];
  for (const [avatar, rate] of Object.entries(RATES)) {
    for (let t = -Math.log(1 - random()) * (1000 / rate); t < totalMs; t += -Math.log(1 - random()) * (1000 / rate)) arrivals.push({ avatar, at: t });
  }
  return arrivals.sort((a, b) => a.at - b.at);
}

async function phase(pool: boolean) {
  const emulator = await startEmulator({
    settings: {
      apiKey: KEY,
      seed: SEED,
      concurrencyLimit: 10_000,
      readiness: { kind: 'lognormal', medianMs: MEDIAN_MS, sigma: SIGMA },
      sessionKeyTtlMs: KEY_TTL_MS,
      durationScale: 0.0002, // a 300 s call lasts 60 ms: slots come back quickly
    },
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    RUNWAY_MODE: 'emulator',
    ANONYMOUS_RATE_PER_MIN: '100000',
    ANONYMOUS_MAX_CONCURRENT: '10000',
    GLOBAL_MAX_SESSIONS: '10000',
    SESSION_EXPECTED_READY_MS: String(MEDIAN_MS),
    WARM_POOL: pool ? WARM_POOL : '',
    WARM_POOL_MAX: '40',
    WARM_POOL_RETIRE_MARGIN_S: String(MARGIN_S),
  });
  const broker = createBroker({ config, logger: pino({ level: 'silent' }), upstream: { baseURL: emulator.url, apiKey: KEY } });
  const server = broker.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const totalMs = (WARMUP_S + SECONDS) * 1000;
  const started = Date.now();
  const results = await Promise.all(
    schedule(totalMs).map(async ({ avatar, at }): Promise<Result> => {
      await new Promise((r) => setTimeout(r, Math.max(0, at - (Date.now() - started))));
      const t0 = performance.now();
      const res = await fetch(`${origin}/api/avatar/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ avatarId: avatar }) });
      const ms = performance.now() - t0;
      const body = (await res.json()) as { sessionId?: string };
      const record = body.sessionId ? await broker.registry.get(body.sessionId) : undefined;
      return { avatar, at, ms, ok: res.ok, pooled: record?.pooled === true };
    }),
  );
  const idleMetric = await broker.metrics.registry.getSingleMetric('broker_pool_idle_seconds_total')?.get();
  const idleSeconds = (idleMetric?.values ?? []).reduce((n, v) => n + v.value, 0);
  const retiredMetric = await broker.metrics.registry.getSingleMetric('broker_pool_retired_total')?.get();
  const retired: Record<string, number> = {};
  for (const v of retiredMetric?.values ?? []) retired[String(v.labels.reason)] = (retired[String(v.labels.reason)] ?? 0) + v.value;
  const heldAtEnd = broker.pool.held;
  server.close();
  await broker.shutdown(10_000);
  // Shutdown cancels before it returns; give the emulator's books a moment, then read them.
  const ledger = emulator.ledger();
  await emulator.close();
  return { results, heldAtEnd, created: ledger.totals.sessions, orphans: ledger.orphans, expired: ledger.totals.expired, idleSeconds, retired };
}

const q = (values: number[]) => `${fmt(quantile(values, 0.5))} / ${fmt(quantile(values, 0.95))} / ${fmt(quantile(values, 0.99))}`;

async function main() {
  console.log(
    `\nPoisson arrivals ${JSON.stringify(RATES)} req/s for ${WARMUP_S} s warm-up + ${SECONDS} s measured; readiness lognormal(median ${MEDIAN_MS} ms, σ ${SIGMA}); ` +
      `key lifetime ${KEY_TTL_MS / 1000} s, retire margin ${MARGIN_S} s; WARM_POOL=${WARM_POOL}; seed ${SEED}`,
  );
  const off = await phase(false);
  const on = await phase(true);
  const steady = (r: Result[]) => r.filter((x) => x.at >= WARMUP_S * 1000 && x.ok);
  const ms = (r: Result[]) => r.map((x) => x.ms);
  console.log('\n| pool | requests (steady) | failed (all) | all p50 / p95 / p99 (ms) | pooled p50 / p95 / p99 (ms) | cold p50 / p95 / p99 (ms) | hit rate |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [label, run] of [['off', off], ['on', on]] as const) {
    const s = steady(run.results);
    const pooled = s.filter((x) => x.pooled);
    const cold = s.filter((x) => !x.pooled);
    console.log(
      `| ${label} | ${s.length} | ${run.results.filter((x) => !x.ok).length} | ${q(ms(s))} | ${pooled.length ? q(ms(pooled)) : 'n/a'} | ${q(ms(cold))} | ${fmt((100 * pooled.length) / s.length, 1)} % |`,
    );
  }
  console.log('\nPer avatar, pool on (steady state):');
  console.log('| avatar | rate (req/s) | requests | hit rate | pooled p50 (ms) |');
  console.log('|---|---|---|---|---|');
  for (const [avatar, rate] of Object.entries(RATES)) {
    const s = steady(on.results).filter((x) => x.avatar === avatar);
    const pooled = s.filter((x) => x.pooled);
    console.log(`| ${avatar} | ${rate} | ${s.length} | ${fmt((100 * pooled.length) / s.length, 1)} % | ${pooled.length ? fmt(quantile(ms(pooled), 0.5)) : 'n/a'} |`);
  }
  const meanProv = meanProvisioningMs(MEDIAN_MS, SIGMA) / 1000;
  for (const [label, run] of [['off', off], ['on', on]] as const) {
    const delivered = run.results.filter((x) => x.ok).length;
    console.log(
      `\npool ${label}: ${run.created} sessions created for ${delivered} delivered = ${fmt(run.created / delivered, 3)} per delivered ` +
        `(${fmt((run.created - run.heldAtEnd) / delivered, 3)} without the ${run.heldAtEnd} still pooled when the run stopped); ` +
        `idle session-seconds ${fmt(run.idleSeconds, 1)} = ${fmt(run.idleSeconds / delivered, 2)} s per delivered (1.5 × mean provisioning = ${fmt(1.5 * meanProv, 2)} s); ` +
        `retired unused ${JSON.stringify(run.retired)}; expired upstream ${run.expired}; orphans after shutdown ${run.orphans}`,
    );
  }
  process.exit(0);
}

void main();
