// Soak: does one broker process stay small and responsive over many sessions and under many pending?
//
// Real processes on loopback: `node dist/main.js` (memory stores) against the standalone emulator
// `node dist/emulator/main.js`; this process is only the load generator and the observer (it reads
// the broker's /metrics and counts sockets to the emulator's port in /proc/net/tcp).
//
// 1. `sessions` sessions (default 20 000), `concurrency` in flight: first half with zero readiness,
//    second half with short readiness (uniform 50–500 ms); 5% of clients abort mid-request; the
//    emulator injects 2% retrieve 503s, 1% create 500s, 1% consume resets and fails 2% of sessions.
//    RSS/heap/handles after the first 10% (warm-up) and at the end.
// 2. `pending` sessions (default 1 000) held pending at once (readiness 30 s): RSS, heap, active
//    handles, upstream sockets, event-loop delay p99 (prom-client's nodejs_eventloop_lag_p99_seconds,
//    a monitorEventLoopDelay histogram reset at each scrape: here once a second), /livez latency p99
//    (one request every 100 ms) and broker CPU over a 20 s window. Then every client aborts and the
//    run checks the emulator's ledger for orphans.
//
//   npm run bench:soak -- [sessions=20000] [pending=1000] [concurrency=64]
//
// Bounded: fixed request counts, loopback only, every child process stopped at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fmt, quantile } from './stats';
import { freePort } from './local';

const SESSIONS = Number(process.argv[2] ?? 20_000);
const PENDING = Number(process.argv[3] ?? 1000);
const CONCURRENCY = Number(process.argv[4] ?? 64);
const KEY = 'key_soak_emulator_secret_0123456789';
const ROOT = join(__dirname, '..', '..');
const WINDOW_MS = 20_000;


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function launch(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [join(ROOT, script)], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${script} exited early (${code ?? signal})\n`);
      process.exit(1);
    }
  });
  return child;
}
let stopping = false;

async function waitOk(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await sleep(100);
  }
  throw new Error(`${url} never answered`);
}

async function metrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** Established sockets whose server side is `port` (connections into the emulator). */
async function socketsTo(port: number): Promise<number> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(hex) && cols[3] === '01') n++;
    }
  }
  return n;
}

interface Snapshot {
  rssMb: number;
  heapMb: number;
  handles: number;
  cpuS: number;
}

async function snapshot(url: string): Promise<Snapshot> {
  const m = await metrics(url);
  return {
    rssMb: (m.get('process_resident_memory_bytes') ?? NaN) / 2 ** 20,
    heapMb: (m.get('nodejs_heap_size_used_bytes') ?? NaN) / 2 ** 20,
    handles: m.get('nodejs_active_handles_total') ?? NaN,
    cpuS: m.get('process_cpu_seconds_total') ?? NaN,
  };
}

/** Settles after a burst: waits for the broker's in-flight gauge to reach zero, then a quiet second. */
async function settle(url: string): Promise<Snapshot> {
  for (let i = 0; i < 600 && ((await metrics(url)).get('broker_sessions_inflight') ?? 0) > 0; i++) await sleep(100);
  await sleep(2000);
  return snapshot(url);
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js missing: run sh scripts/prepare.sh first');
  const emuPort = await freePort();
  const brokerPort = await freePort();
  const emu = `http://127.0.0.1:${emuPort}`;
  const broker = `http://127.0.0.1:${brokerPort}`;
  const emulator = launch('dist/emulator/main.js', {
    EMULATOR_PORT: String(emuPort),
    EMULATOR_HOST: '127.0.0.1',
    EMULATOR_API_KEY: KEY,
    EMULATOR_LOG_LEVEL: 'warn',
    EMULATOR_SEED: '11',
    EMULATOR_READINESS: 'fixed:0',
    EMULATOR_CONCURRENCY_LIMIT: '100000',
    EMULATOR_FAILURE_RATE: '0.02',
    EMULATOR_DURATION_SCALE: '0.001',
  });
  await waitOk(`${emu}/__emulator/health`);
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${emu}/__emulator${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then(async (r) => {
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
      return r.status === 204 ? undefined : ((await r.json()) as Record<string, unknown>);
    });
  const brokerEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PORT: String(brokerPort),
    HOST: '127.0.0.1',
    RUNWAYML_API_SECRET: KEY,
    RUNWAYML_BASE_URL: emu,
    GLOBAL_MAX_SESSIONS: '5000',
    ANONYMOUS_RATE_PER_MIN: '100000',
    ANONYMOUS_MAX_CONCURRENT: '10000',
    READ_RATE_PER_MIN: '100000',
    SESSION_FOLLOW_INTERVAL_MS: '1000',
    // Phase 2 holds sessions pending for minutes: the broker must not give up on them meanwhile.
    SESSION_READY_TIMEOUT_MS: '600000',
    ...(JSON.parse(process.env.SOAK_BROKER_ENV ?? '{}') as Record<string, string>),
  };
  const brokerProc = launch('dist/main.js', brokerEnv);
  await waitOk(`${broker}/readyz`);
  for (const rule of [
    { id: 'retrieve:503', operation: 'realtimeSessions.retrieve', probability: 0.02, action: { type: 'status', status: 503 } },
    { id: 'create:500', operation: 'realtimeSessions.create', probability: 0.01, action: { type: 'status', status: 500 } },
    { id: 'consume:reset', operation: 'realtimeSessions.consume', probability: 0.01, action: { type: 'reset' } },
  ])
    await control('POST', '/faults', rule);

  // ---- phase 1: many sessions ----
  const statuses = new Map<string, number>();
  let next = 0;
  let aborted = 0;
  let warm: Snapshot | undefined;
  const warmAt = Math.floor(SESSIONS / 10);
  const started = performance.now();
  const one = async (i: number) => {
    const controller = new AbortController();
    const abort = i % 20 === 7; // 5%: the browser goes away mid-request
    const timer = abort ? setTimeout(() => controller.abort(), (i * 37) % 200) : undefined;
    try {
      const res = await fetch(`${broker}/api/avatar/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ avatarId: 'music-superstar' }),
        signal: controller.signal,
      });
      const body = (await res.json()) as { code?: string };
      const key = `${res.status}${body.code ? ` ${body.code}` : ''}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    } catch {
      aborted++;
    } finally {
      clearTimeout(timer);
    }
  };
  let phaseSwitched = false;
  const run = async (to: number) => {
    const worker = async () => {
      while (next < to) {
        const i = next++;
        if (!phaseSwitched && i >= SESSIONS / 2) {
          phaseSwitched = true;
          await control('PATCH', '/settings', { readiness: { kind: 'uniform', minMs: 50, maxMs: 500 } });
        }
        await one(i);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  // Warm-up, then a quiet moment to measure, then the rest.
  await run(warmAt);
  warm = await settle(broker);
  await run(SESSIONS);
  const phase1Ms = performance.now() - started;
  const end1 = await settle(broker);
  process.stdout.write(`phase 1: ${SESSIONS} sessions in ${fmt(phase1Ms / 1000, 1)} s; ${JSON.stringify(Object.fromEntries(statuses))}; aborted ${aborted}\n`);

  // ---- phase 2: many pending at once ----
  await control('DELETE', '/faults');
  await control('PATCH', '/settings', { readiness: { kind: 'fixed', ms: 600_000 } });
  const orphansBefore = ((await control('GET', '/ledger')) as { orphans: number }).orphans;
  const before2 = await snapshot(broker);
  const pendingControllers = Array.from({ length: PENDING }, () => new AbortController());
  const pendingRequests = pendingControllers.map((c) =>
    fetch(`${broker}/api/avatar/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"avatarId":"music-superstar"}', signal: c.signal }).then(
      (r) => r.status,
      () => 0,
    ),
  );
  let reached = 0;
  for (let i = 0; i < 600; i++) {
    reached = (await metrics(broker)).get('broker_sessions_inflight') ?? 0;
    if (reached >= PENDING) break;
    await sleep(100);
  }
  process.stdout.write(`phase 2: ${reached} of ${PENDING} pending\n`);
  await metrics(broker); // resets the event-loop histogram: the window starts now
  const windowStart = await snapshot(broker);
  const livez: number[] = [];
  const lagP99: number[] = [];
  const sockets: number[] = [];
  let rssPeak = 0;
  let heapPeak = 0;
  const until = performance.now() + WINDOW_MS;
  const prober = (async () => {
    while (performance.now() < until) {
      const t = performance.now();
      await fetch(`${broker}/livez`).then((r) => r.arrayBuffer());
      livez.push(performance.now() - t);
      await sleep(100);
    }
  })();
  while (performance.now() < until) {
    await sleep(1000);
    const m = await metrics(broker);
    lagP99.push((m.get('nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000);
    rssPeak = Math.max(rssPeak, (m.get('process_resident_memory_bytes') ?? 0) / 2 ** 20);
    heapPeak = Math.max(heapPeak, (m.get('nodejs_heap_size_used_bytes') ?? 0) / 2 ** 20);
    sockets.push(await socketsTo(emuPort));
  }
  await prober;
  const windowEnd = await snapshot(broker);
  const inflight = (await metrics(broker)).get('broker_sessions_inflight') ?? 0;

  // Every pending client leaves: the broker must cancel all of them upstream.
  for (const c of pendingControllers) c.abort();
  const pendingStatuses = new Map<number, number>();
  for (const status of await Promise.all(pendingRequests)) pendingStatuses.set(status, (pendingStatuses.get(status) ?? 0) + 1);
  let orphans = -1;
  let orphanList: { [k: string]: unknown }[] = [];
  for (let i = 0; i < 600; i++) {
    const ledger = (await control('GET', '/ledger')) as { orphans: number; sessions: { [k: string]: unknown; orphan: boolean }[] };
    orphans = ledger.orphans;
    orphanList = ledger.sessions.filter((s) => s.orphan);
    if (orphans === orphansBefore) break;
    await sleep(100);
  }
  const pick = ({ id, status, expired, consumeAttempts, consumeSuccesses, deletes, polls, createdAt, readyAt }: { [k: string]: unknown }) =>
    JSON.stringify({ id, status, expired, consumeAttempts, consumeSuccesses, deletes, polls, age: Date.now() - Number(createdAt), readyAfter: readyAt === null ? null : Number(readyAt) - Number(createdAt) });
  if (orphans > 0) process.stdout.write(`orphans (${orphans}; ${orphansBefore} before phase 2):\n${orphanList.slice(0, 15).map(pick).join('\n')}\n`);
  const final = await settle(broker);

  stopping = true;
  brokerProc.kill('SIGTERM');
  await once(brokerProc, 'exit');
  emulator.kill('SIGTERM');
  await once(emulator, 'exit');

  const cpuShare = (windowEnd.cpuS - windowStart.cpuS) / (WINDOW_MS / 1000);
  const row = (name: string, s: Snapshot) => `| ${name} | ${fmt(s.rssMb)} MB | ${fmt(s.heapMb, 1)} MB | ${s.handles} |`;
  const lines = [
    `Command: \`npm run bench:soak -- ${SESSIONS} ${PENDING} ${CONCURRENCY}\` (bench/soak.ts). Measured ${new Date().toISOString()}, Node ${process.version}, ${(await import('node:os')).cpus().length} cores shared with other work.`,
    '',
    'One `dist/main.js` broker (memory stores, defaults except generous client limits and `SESSION_FOLLOW_INTERVAL_MS=1000`) against',
    'the standalone emulator process, both on loopback. Memory figures are the broker\'s own `/metrics` (`process_resident_memory_bytes`,',
    '`nodejs_heap_size_used_bytes`, `nodejs_active_handles_total`).',
    '',
    `Phase 1: ${SESSIONS} sessions, ${CONCURRENCY} in flight, half zero readiness and half 50–500 ms, 5% client aborts, faults (2% retrieve 503,`,
    `1% create 500, 1% consume reset, 2% FAILED): ${fmt(phase1Ms / 1000, 1)} s (${fmt(SESSIONS / (phase1Ms / 1000))} sessions/s).`,
    `Responses: ${[...statuses].map(([k, v]) => `${k} × ${v}`).join(', ')}; ${aborted} aborted by the client.`,
    '',
    '| Moment | RSS | Heap used | Active handles |',
    '|---|---|---|---|',
    row(`after warm-up (${warmAt} sessions)`, warm ?? end1),
    row(`after ${SESSIONS} sessions`, end1),
    row(`${PENDING} pending (end of the window)`, windowEnd),
    row('after all pending clients left', final),
    '',
    `| Target | Measured | |`,
    '|---|---|---|',
    `| growth after warm-up ≤ 20 MB | RSS ${fmt(end1.rssMb - (warm ?? end1).rssMb, 1)} MB, heap ${fmt(end1.heapMb - (warm ?? end1).heapMb, 1)} MB | ${end1.rssMb - (warm ?? end1).rssMb <= 20 ? '✅' : '❌'} |`,
    `| RSS with ${PENDING} pending ≤ 250 MB | peak ${fmt(rssPeak)} MB (heap peak ${fmt(heapPeak, 1)} MB; before the burst ${fmt(before2.rssMb)} MB) | ${rssPeak <= 250 ? '✅' : '❌'} |`,
    `| event-loop delay p99 ≤ 50 ms | worst 1 s window ${fmt(Math.max(...lagP99), 1)} ms, median ${fmt(quantile(lagP99, 0.5), 1)} ms | ${Math.max(...lagP99) <= 50 ? '✅' : '❌'} |`,
    `| upstream connections bounded (UPSTREAM_MAX_CONNECTIONS=${brokerEnv['UPSTREAM_MAX_CONNECTIONS' as keyof typeof brokerEnv] ?? 64}) | max ${Math.max(...sockets)} sockets into the emulator (${inflight} pending) | ${Math.max(...sockets) <= Number(brokerEnv['UPSTREAM_MAX_CONNECTIONS' as keyof typeof brokerEnv] ?? 64) + 2 ? '✅' : '❌'} |`,
    `| /livez latency under ${PENDING} pending | p50 ${fmt(quantile(livez, 0.5), 1)} ms, p99 ${fmt(quantile(livez, 0.99), 1)} ms (${livez.length} probes) | |`,
    `| broker CPU under ${PENDING} pending | ${fmt(cpuShare * 100)}% of one core | |`,
    `| answers to the ${PENDING} pending requests (0 = aborted by the client while pending) | ${[...pendingStatuses].map(([k, v]) => `${k} × ${v}`).join(', ')}; ${inflight} still in flight at the end of the window | |`,
    `| orphans in the ledger: after phase 1 / after every pending client left | ${orphansBefore} / ${orphans} | ${orphans === 0 ? '✅' : '❌'} |`,
  ];
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  if (process.env.SOAK_WRITE !== '0') writeSection('soak', 'Soak', text);
}

/** Replaces the `<!-- name:start -->…<!-- name:end -->` section of RELIABILITY.md (or appends it). */
function writeSection(name: string, title: string, body: string): void {
  const file = join(ROOT, 'RELIABILITY.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Reliability\n\nWhat the broker survives, measured, with the commands to reproduce each figure.\n';
  const block = `<!-- ${name}:start -->\n## ${title}\n\n${body.trim()}\n<!-- ${name}:end -->`;
  const pattern = new RegExp(`<!-- ${name}:start -->[\\s\\S]*?<!-- ${name}:end -->`);
  writeFileSync(file, pattern.test(text) ? text.replace(pattern, block) : `${text.trimEnd()}\n\n${block}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${String(err)}\n`);
  process.exit(1);
});
