// Soak: does one broker process stay small and responsive over many sessions and under many pending?
//
// Real processes on loopback: `node dist/main.js` (memory stores) against the standalone emulator
// `node dist/emulator/main.js`; this process is only the load generator and the observer (it reads
// the broker's /metrics and counts sockets to the emulator's port in /proc/net/tcp).
//
// 1. A warm-up, then `sessions` sessions (default 20 000), `concurrency` in flight, alternating
//    every 2 000 between zero readiness and short readiness (uniform 50–500 ms); 5% of clients abort
//    mid-request; the emulator injects 2% retrieve 503s, 1% create 500s, 1% consume resets and fails
//    2% of sessions. The warm-up lasts until every retention window has filled once (records:
//    SESSION_RECORD_TTL_S after a session can no longer run; usage once-markers: the duration cap
//    plus that), so the growth after it is what stays, not what is kept for a while by design.
//    RSS/heap/handles after the warm-up and at the end.
// 2. `pending` sessions (default 1 000) held pending at once (readiness 10 min): RSS peak (VmHWM,
//    reset at the start), heap, active handles, upstream sockets, event-loop delay p99 over the 20 s
//    window (prom-client's nodejs_eventloop_lag_p99_seconds: a monitorEventLoopDelay histogram that
//    each scrape reads and resets, so the window is scraped only at its start and its end), /livez
//    latency p99 (one request every 100 ms) and broker CPU. Then every client aborts and the run
//    checks the emulator's ledger for orphans.
//
//   npm run bench:soak -- [sessions=20000] [pending=1000] [concurrency=64]
//
// SOAK_WARMUP_S overrides the warm-up's length (default: the longest retention plus 15 s).
// SOAK_HEAP_SNAPSHOTS=1 has the broker write heap snapshots after warm-up, after phase 1 and at the
// end of the pending window and reports the live heap in each (growth there is a leak; RSS also
// counts garbage not yet collected). SOAK_KEEP_SNAPSHOTS=1 keeps the files (repository root) for
// diffing in DevTools. Writing one pauses the broker, so the other figures of such a run are off.
//
// Bounded: fixed request counts, loopback only, every child process stopped at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fmt, quantile } from './stats';
import { freePort, memoryCgroup } from './local';

const SESSIONS = Number(process.argv[2] ?? 20_000);
const PENDING = Number(process.argv[3] ?? 1000);
const CONCURRENCY = Number(process.argv[4] ?? 64);
const KEY = 'key_soak_emulator_secret_0123456789';
const ROOT = join(__dirname, '..', '..');
const WINDOW_MS = 20_000;
/** Soak-sized retention (config minimum for records), so a run outlasts every window several times. */
const RECORD_TTL_S = 60;
const DURATION_CAP_S = 60;
const WARMUP_MS = Number(process.env.SOAK_WARMUP_S ?? DURATION_CAP_S + RECORD_TTL_S + 15) * 1000;
/** Readiness alternates in blocks this long, so the warm-up and the measured part see both. */
const READINESS_BLOCK = 2000;
/** Quiet time before a memory reading: long enough for V8's idle GC to give garbage back. */
const SETTLE_MS = Number(process.env.SOAK_SETTLE_MS ?? 2000);
/** The broker runs as in its container: under a memory limit (0 = none) and with the image's NODE_OPTIONS. */
const MEMORY_LIMIT_MB = Number(process.env.SOAK_MEMORY_LIMIT_MB ?? 1024);
const IMAGE_NODE_OPTIONS = /^ENV NODE_OPTIONS="([^"]*)"/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1] ?? '';
const NODE_OPTIONS = process.env.SOAK_NODE_OPTIONS ?? IMAGE_NODE_OPTIONS;


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function launch(script: string, env: Record<string, string>, wrap = (command: string[]) => command): ChildProcess {
  // SOAK_NODE_ARGS: flags NODE_OPTIONS does not take (e.g. --trace-gc), for the broker only.
  const flags = script === 'dist/main.js' ? (process.env.SOAK_NODE_ARGS ?? '').split(' ').filter(Boolean) : [];
  const [file, ...args] = wrap([process.execPath, ...flags, join(ROOT, script)]);
  // SOAK_BROKER_OUTPUT=1 passes the processes' stdout through (e.g. with SOAK_NODE_ARGS=--trace-gc).
  const child = spawn(file!, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', process.env.SOAK_BROKER_OUTPUT === '1' ? 'inherit' : 'ignore', 'inherit'] });
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
  /** V8's committed heap, and memory outside it (buffers, native parsers): where the rest of RSS goes. */
  heapTotalMb: number;
  externalMb: number;
  handles: number;
  cpuS: number;
  /** Event-loop delay since the previous scrape (prom-client resets the histogram on each). */
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
}

async function snapshot(url: string): Promise<Snapshot> {
  const m = await metrics(url);
  return {
    rssMb: (m.get('process_resident_memory_bytes') ?? NaN) / 2 ** 20,
    heapMb: (m.get('nodejs_heap_size_used_bytes') ?? NaN) / 2 ** 20,
    heapTotalMb: (m.get('nodejs_heap_size_total_bytes') ?? NaN) / 2 ** 20,
    externalMb: (m.get('nodejs_external_memory_bytes') ?? NaN) / 2 ** 20,
    handles: m.get('nodejs_active_handles_total') ?? NaN,
    cpuS: m.get('process_cpu_seconds_total') ?? NaN,
    lagP50Ms: (m.get('nodejs_eventloop_lag_p50_seconds') ?? NaN) * 1000,
    lagP99Ms: (m.get('nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000,
    lagMaxMs: (m.get('nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000,
  };
}

/** Starts a new peak-RSS measurement for a process (Linux: clear_refs 5 resets VmHWM). */
function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** A process's peak RSS since the last reset, in MB. */
function peakRssMb(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Settles after a burst: waits for the broker's in-flight gauge to reach zero, then a quiet second. */
async function settle(url: string): Promise<Snapshot> {
  for (let i = 0; i < 600 && ((await metrics(url)).get('broker_sessions_inflight') ?? 0) > 0; i++) await sleep(100);
  await sleep(SETTLE_MS);
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
    // Delivered emulator sessions run on until their (scaled) end: the cap must not be what the soak measures.
    GLOBAL_MAX_SESSIONS: '100000',
    ANONYMOUS_RATE_PER_MIN: '100000',
    ANONYMOUS_MAX_CONCURRENT: '10000',
    READ_RATE_PER_MIN: '100000',
    SESSION_FOLLOW_INTERVAL_MS: '1000',
    // Delivered sessions run at most a minute (their records and usage markers are kept that long
    // plus SESSION_RECORD_TTL_S): the defaults (5 min + 1 h) would need an hour-long run to settle.
    SESSION_MAX_DURATION_CAP_S: String(DURATION_CAP_S),
    SESSION_DEFAULT_MAX_DURATION_S: String(DURATION_CAP_S),
    // Phase 2 holds sessions pending for minutes: the broker must not give up on them meanwhile.
    SESSION_READY_TIMEOUT_MS: '600000',
    // Ended sessions' records are kept this long by design (default an hour): the minimum lets the
    // run reach a steady state, so growth shows leaks rather than retention.
    SESSION_RECORD_TTL_S: String(RECORD_TTL_S),
    NODE_OPTIONS: `${NODE_OPTIONS}${process.env.SOAK_HEAP_SNAPSHOTS === '1' ? ' --heapsnapshot-signal=SIGUSR2' : ''}`.trim(),
    ...(JSON.parse(process.env.SOAK_BROKER_ENV ?? '{}') as Record<string, string>),
  };
  const cgroup = MEMORY_LIMIT_MB > 0 ? memoryCgroup(MEMORY_LIMIT_MB) : undefined;
  if (MEMORY_LIMIT_MB > 0 && !cgroup) process.stderr.write(`cannot make a ${MEMORY_LIMIT_MB} MB memory cgroup here: the broker runs without a memory limit\n`);
  const brokerProc = launch('dist/main.js', brokerEnv, cgroup?.wrap);
  await waitOk(`${broker}/readyz`);
  // Live heap after a full GC (a heap snapshot forces one): growth here is a leak, whereas heap
  // used and RSS also count garbage V8 has not collected yet.
  const liveHeap = new Map<string, number>();
  const heapSnapshot = async (label: string) => {
    if (process.env.SOAK_HEAP_SNAPSHOTS !== '1') return;
    const before = new Set(readdirSync(ROOT));
    brokerProc.kill('SIGUSR2');
    let file: string | undefined;
    for (let i = 0; i < 1200 && !file; i++) {
      await sleep(100);
      file = readdirSync(ROOT).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    }
    if (!file) throw new Error('no heap snapshot written');
    await waitOk(`${broker}/livez`); // answers again once the snapshot is written
    const path = join(ROOT, file);
    let snapshot: { snapshot: { meta: { node_fields: string[] } }; nodes: number[] } | undefined;
    for (let i = 0; i < 100 && !snapshot; i++) {
      try {
        snapshot = JSON.parse(readFileSync(path, 'utf8')) as typeof snapshot;
      } catch {
        await sleep(200); // still being written
      }
    }
    if (!snapshot) throw new Error(`heap snapshot ${file} unreadable`);
    const fields = snapshot.snapshot.meta.node_fields;
    const at = fields.indexOf('self_size');
    let bytes = 0;
    for (let i = at; i < snapshot.nodes.length; i += fields.length) bytes += snapshot.nodes[i]!;
    liveHeap.set(label, bytes / 2 ** 20);
    process.stdout.write(`live heap ${label}: ${fmt(bytes / 2 ** 20, 1)} MB (${file})\n`);
    if (process.env.SOAK_KEEP_SNAPSHOTS !== '1') rmSync(path);
  };
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
  let readiness = 0;
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
  /** Runs sessions until `done()`; readiness flips every READINESS_BLOCK sessions. */
  const run = async (done: () => boolean) => {
    const worker = async () => {
      while (!done()) {
        const i = next++;
        const block = Math.floor(i / READINESS_BLOCK) % 2;
        if (block !== readiness) {
          readiness = block;
          await control('PATCH', '/settings', { readiness: block ? { kind: 'uniform', minMs: 50, maxMs: 500 } : { kind: 'fixed', ms: 0 } });
        }
        await one(i);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  // Warm-up, then a quiet moment to measure, then the sessions measured.
  await run(() => performance.now() - started >= WARMUP_MS);
  const warmAt = next;
  const warmMs = performance.now() - started;
  const warm = await settle(broker);
  await heapSnapshot('after warm-up');
  const measuredFrom = performance.now();
  await run(() => next >= warmAt + SESSIONS);
  const phase1Ms = performance.now() - measuredFrom;
  const end1 = await settle(broker);
  await heapSnapshot('after phase 1');
  process.stdout.write(`phase 1: ${warmAt} sessions of warm-up in ${fmt(warmMs / 1000, 1)} s, then ${SESSIONS} sessions in ${fmt(phase1Ms / 1000, 1)} s; ${JSON.stringify(Object.fromEntries(statuses))}; aborted ${aborted}\n`);

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
  const polls = async () => ((await control('GET', '/ledger')) as { requests: Record<string, number> }).requests['realtimeSessions.retrieve'] ?? 0;
  const pollsBefore = await polls();
  // One scrape at each end of the window: the first resets the event-loop histogram, the last reads
  // it whole. Peak RSS from the kernel (VmHWM, reset here), so nothing scrapes the broker meanwhile.
  const windowStart = await snapshot(broker);
  resetPeakRss(brokerProc.pid!);
  const livez: number[] = [];
  const sockets: number[] = [];
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
    sockets.push(await socketsTo(emuPort));
  }
  await prober;
  const windowEnd = await snapshot(broker);
  const rssPeak = peakRssMb(brokerProc.pid!);
  const pollRate = (await polls() - pollsBefore) / (WINDOW_MS / 1000);
  const inflight = (await metrics(broker)).get('broker_sessions_inflight') ?? 0;
  await heapSnapshot(`${PENDING} pending`);

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
  cgroup?.remove();

  const cpuShare = (windowEnd.cpuS - windowStart.cpuS) / (WINDOW_MS / 1000);
  const row = (name: string, s: Snapshot) => `| ${name} | ${fmt(s.rssMb)} MB | ${fmt(s.heapMb, 1)} MB | ${fmt(s.heapTotalMb)} MB | ${fmt(s.externalMb, 1)} MB | ${s.handles} |`;
  const lines = [
    `Command: \`npm run bench:soak -- ${SESSIONS} ${PENDING} ${CONCURRENCY}\` (bench/soak.ts). Measured ${new Date().toISOString()}, Node ${process.version}, ${(await import('node:os')).cpus().length} cores shared with other work.`,
    '',
    `One \`dist/main.js\` broker (memory stores, defaults except generous client limits, \`SESSION_FOLLOW_INTERVAL_MS=1000\`, \`SESSION_RECORD_TTL_S=${RECORD_TTL_S}\` and \`SESSION_MAX_DURATION_CAP_S=${DURATION_CAP_S}\`) against`,
    'the standalone emulator process, both on loopback. Memory figures are the broker\'s own `/metrics` (`process_resident_memory_bytes`,',
    '`nodejs_heap_size_used_bytes`, `nodejs_heap_size_total_bytes`, `nodejs_external_memory_bytes`, `nodejs_active_handles_total`).',
    `The broker runs as in its container: ${cgroup ? `in a ${MEMORY_LIMIT_MB} MB memory cgroup (a container's memory limit; Node sizes its heap from it)` : 'with no memory limit'}, with \`NODE_OPTIONS=${brokerEnv.NODE_OPTIONS || '(none)'}\`${NODE_OPTIONS === IMAGE_NODE_OPTIONS ? ' (the Dockerfile\'s)' : ''}.`,
    '',
    `Phase 1: a ${fmt(warmMs / 1000)} s warm-up (${warmAt} sessions: every retention window filled once), then ${SESSIONS} sessions in ${fmt(phase1Ms / 1000, 1)} s (${fmt(SESSIONS / (phase1Ms / 1000))} sessions/s);`,
    `${CONCURRENCY} in flight, readiness alternating every ${READINESS_BLOCK} sessions between zero and 50–500 ms, 5% client aborts, faults (2% retrieve 503,`,
    '1% create 500, 1% consume reset, 2% FAILED).',
    `Responses: ${[...statuses].map(([k, v]) => `${k} × ${v}`).join(', ')} (warm-up included); ${aborted} aborted by the client.`,
    '',
    '| Moment | RSS | Heap used | Heap committed | External | Active handles |',
    '|---|---|---|---|---|---|',
    row(`after warm-up (${warmAt} sessions, ${fmt(warmMs / 1000)} s)`, warm),
    row(`after ${SESSIONS} more sessions`, end1),
    row(`${PENDING} pending (end of the window)`, windowEnd),
    row('after all pending clients left', final),
    '',
    `| Target | Measured | |`,
    '|---|---|---|',
    `| growth after warm-up ≤ 20 MB | RSS ${fmt(end1.rssMb - warm.rssMb, 1)} MB, heap used ${fmt(end1.heapMb - warm.heapMb, 1)} MB | ${end1.rssMb - warm.rssMb <= 20 ? '✅' : '❌'} |`,
    ...(liveHeap.size
      ? [`| live heap after a full GC (heap snapshots): ${[...liveHeap].map(([k, v]) => `${k} ${fmt(v, 1)} MB`).join(', ')} | growth ${fmt((liveHeap.get('after phase 1') ?? NaN) - (liveHeap.get('after warm-up') ?? NaN), 1)} MB | |`]
      : []),
    `| RSS with ${PENDING} pending ≤ 250 MB | peak ${fmt(rssPeak)} MB (kernel's VmHWM over the window; before the burst ${fmt(before2.rssMb)} MB) | ${rssPeak <= 250 ? '✅' : '❌'} |`,
    `| event-loop delay p99 ≤ 50 ms (over the ${WINDOW_MS / 1000} s window) | p99 ${fmt(windowEnd.lagP99Ms, 1)} ms, p50 ${fmt(windowEnd.lagP50Ms, 1)} ms, longest ${fmt(windowEnd.lagMaxMs, 1)} ms | ${windowEnd.lagP99Ms <= 50 ? '✅' : '❌'} |`,
    `| upstream connections bounded (UPSTREAM_MAX_CONNECTIONS=${brokerEnv['UPSTREAM_MAX_CONNECTIONS' as keyof typeof brokerEnv] ?? 64}) | max ${Math.max(...sockets)} sockets into the emulator (${inflight} pending) | ${Math.max(...sockets) <= Number(brokerEnv['UPSTREAM_MAX_CONNECTIONS' as keyof typeof brokerEnv] ?? 64) + 2 ? '✅' : '❌'} |`,
    `| /livez latency under ${PENDING} pending | p50 ${fmt(quantile(livez, 0.5), 1)} ms, p99 ${fmt(quantile(livez, 0.99), 1)} ms (${livez.length} probes) | |`,
    `| broker CPU under ${PENDING} pending | ${fmt(cpuShare * 100)}% of one core, polling Runway ${fmt(pollRate)} times a second | |`,
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
