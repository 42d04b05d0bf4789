// `npm run bench:boot -- [runs=10] [sessions=300]`: what one broker process costs, side by side with a
// minimal Express broker (bench/boot-minimal-broker.ts) in the same run, against one emulator.
//   boot-to-ready  process start → first GET /readyz 200 (built tree, `node dist/main.js`)
//   idle RSS       VmRSS one second after ready
//   CPU/session    the process's user+system CPU over `sessions` delivered sessions (10 at a time) / sessions,
//                  after 100 warm-up sessions (not counted): steady state, not JIT warm-up and first-use loads;
//                  also as the ratio to the minimal broker times the minimal's 1.4 ms where the target was set
// Also `npm start` on a built, unchanged tree (npm + the staleness check + boot). Medians of `runs` runs.
// Linux only (reads /proc). Results: BENCHMARKS.md, "Boot, memory and CPU per session".
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator';
import { fmt, quantile } from './stats';
import { freePort } from './local';

const RUNS = Number(process.argv[2] ?? 10);
const SESSIONS = Number(process.argv[3] ?? 300);
const WARMUP = 100;
const CONCURRENCY = 10;
const KEY = 'bench-boot-key';
const ROOT = join(__dirname, '..', '..');
const TICK_MS = 10; // USER_HZ is 100 on Linux
/** The minimal broker's CPU per session where issue 12 set its 2 ms target (the broker took 3.1 ms there). */
const ISSUE_MINIMAL_CPU_MS = 1.4;

interface Sample {
  bootMs: number;
  rssMb: number;
  cpuMsPerSession: number;
}


const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
};
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function untilReady(port: number, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before ready`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function deliver(port: number, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const res = await fetch(`http://127.0.0.1:${port}/api/avatar/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://app.example.com' },
        body: JSON.stringify({ avatarId: 'music-superstar' }),
      });
      const body = (await res.json()) as { token?: string };
      if (!res.ok || !body.token) throw new Error(`session failed: ${res.status} ${JSON.stringify(body)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function measure(command: string[], env: Record<string, string>, withSessions: boolean): Promise<Sample> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/', PORT: String(port), ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  try {
    await untilReady(port, child);
    const bootMs = performance.now() - t0;
    if (!withSessions) return { bootMs, rssMb: NaN, cpuMsPerSession: NaN };
    await new Promise((r) => setTimeout(r, 1000));
    const rss = rssMb(child.pid!);
    await deliver(port, WARMUP);
    const before = cpuMs(child.pid!);
    await deliver(port, SESSIONS);
    return { bootMs, rssMb: rss, cpuMsPerSession: (cpuMs(child.pid!) - before) / SESSIONS };
  } catch (err) {
    throw new Error(`${command.join(' ')}: ${String(err)}\n${stderr}`);
  } finally {
    await stop(child);
  }
}

async function main() {
  const emulator = await startEmulator({ settings: { apiKey: KEY, seed: 5, concurrencyLimit: 100_000, readiness: { kind: 'fixed', ms: 200 } } });
  const node = process.execPath;
  const live = { RUNWAYML_API_SECRET: KEY, RUNWAYML_BASE_URL: emulator.url };
  const brokerEnv = {
    ...live,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    ANONYMOUS_SESSIONS: 'on',
    CORS_ORIGINS: 'https://app.example.com',
    ANONYMOUS_AVATARS: 'music-superstar',
    ANONYMOUS_RATE_PER_MIN: '100000',
    ANONYMOUS_MAX_CONCURRENT: '10000',
    GLOBAL_MAX_SESSIONS: '10000',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
  };
  const rows: Record<string, Sample[]> = { broker: [], minimal: [], npmStart: [] };
  for (let run = 0; run < RUNS; run += 1) {
    // Alternate the order so neither always runs on a warmer machine.
    const pair = [
      ['broker', () => measure([node, 'dist/main.js'], brokerEnv, true)],
      ['minimal', () => measure([node, join(__dirname, 'boot-minimal-broker.js')], live, true)],
    ] as const;
    for (const [name, go] of run % 2 ? [...pair].reverse() : pair) rows[name]!.push(await go());
    rows.npmStart!.push(await measure(['npm', 'start', '--silent'], brokerEnv, false));
    process.stderr.write(`run ${run + 1}/${RUNS}\n`);
  }
  await emulator.close();

  const med = (name: string, key: keyof Sample) => quantile(rows[name]!.map((s) => s[key]), 0.5);
  const ratio = (key: keyof Sample) => med('broker', key) / med('minimal', key);
  console.log(`\nmedians of ${RUNS} runs, CPU over ${SESSIONS} sessions per run after ${WARMUP} warm-up ones (${CONCURRENCY} at a time), Node ${process.version}\n`);
  console.log('| process | boot-to-ready (ms) | idle RSS (MB) | CPU per delivered session (ms) |');
  console.log('|---|---|---|---|');
  console.log(`| broker (\`node dist/main.js\`, live mode) | ${fmt(med('broker', 'bootMs'))} | ${fmt(med('broker', 'rssMb'))} | ${fmt(med('broker', 'cpuMsPerSession'), 2)} |`);
  console.log(`| minimal Express broker | ${fmt(med('minimal', 'bootMs'))} | ${fmt(med('minimal', 'rssMb'))} | ${fmt(med('minimal', 'cpuMsPerSession'), 2)} |`);
  console.log(`| broker ÷ minimal (targets ≤ 2×, ≤ 1.5×) | ${fmt(ratio('bootMs'), 2)}× | ${fmt(ratio('rssMb'), 2)}× | ${fmt(ratio('cpuMsPerSession'), 2)}× |`);
  console.log(`| \`npm start\`, built and unchanged (target ≤ 2 000 ms) | ${fmt(med('npmStart', 'bootMs'))} | | |`);
  // The issue set "≤ 2 ms" where the minimal broker took 1.4 ms; absolute CPU figures depend on the machine.
  console.log(`\nCPU per session on the issue's scale (minimal broker = ${ISSUE_MINIMAL_CPU_MS} ms): ${fmt(ratio('cpuMsPerSession') * ISSUE_MINIMAL_CPU_MS, 2)} ms (target ≤ 2 ms)`);
  console.log(`broker boot p90 ${fmt(quantile(rows.broker!.map((s) => s.bootMs), 0.9))} ms, minimal boot p90 ${fmt(quantile(rows.minimal!.map((s) => s.bootMs), 0.9))} ms`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
