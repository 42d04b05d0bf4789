import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/ports';

// Real processes on loopback: the standalone emulator (dist/emulator/main.js) and brokers
// (dist/main.js), each a child process we can SIGKILL, SIGTERM and start again. Logs go to files
// under `logDir` so a failed run can be read afterwards.

const ROOT = join(__dirname, '..', '..');
export const BROKER_MAIN = join(ROOT, 'dist', 'main.js');
export const EMULATOR_MAIN = join(ROOT, 'dist', 'emulator', 'main.js');
export const CHAOS_KEY = 'key_chaos_emulator_secret_0123456789';

export interface Proc {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

function launch(name: string, script: string, port: number, env: Record<string, string>, logDir: string): Proc {
  mkdirSync(logDir, { recursive: true });
  const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { name, port, url: `http://127.0.0.1:${port}`, child, exited };
}

/** Waits for a 2xx from `url` (a condition, bounded by `timeoutMs`). */
export async function waitOk(url: string, timeoutMs = 30_000, proc?: Proc): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ok) return;
    if (proc && proc.child.exitCode !== null) throw new Error(`${proc.name} exited (${proc.child.exitCode}) before ${url} answered`);
    if (Date.now() > until) throw new Error(`${url} did not answer 2xx within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface EmulatorProc extends Proc {
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startEmulatorProcess(env: Record<string, string>, logDir: string): Promise<EmulatorProc> {
  const port = await freePort();
  const proc = launch('emulator', EMULATOR_MAIN, port, { EMULATOR_PORT: String(port), EMULATOR_HOST: '127.0.0.1', EMULATOR_API_KEY: CHAOS_KEY, EMULATOR_LOG_LEVEL: 'warn', ...env }, logDir);
  await waitOk(`${proc.url}/__emulator/health`, 30_000, proc);
  return {
    ...proc,
    async control<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${proc.url}/__emulator${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
      return (res.status === 204 ? undefined : await res.json()) as T;
    },
    async stop() {
      if (proc.child.exitCode === null) proc.child.kill('SIGTERM');
      await proc.exited;
    },
  };
}

export interface BrokerProc extends Proc {
  /** Epoch ms when this incarnation was started. */
  startedAt: number;
}

/** A broker replica that can be killed and started again on the same port. */
export class BrokerSlot {
  current: BrokerProc | undefined;
  readonly exits: { signal: string; code: number | null }[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {}

  static async create(name: string, env: Record<string, string>, logDir: string): Promise<BrokerSlot> {
    return new BrokerSlot(name, await freePort(), env, logDir);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private ready = false;

  /** Started, ready and not being stopped: where a load balancer would send traffic. */
  get up(): boolean {
    return this.ready && this.current !== undefined && this.current.child.exitCode === null;
  }

  async start(): Promise<void> {
    const proc = launch(this.name, BROKER_MAIN, this.port, { REPLICA_ID: this.name, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' }, this.logDir);
    this.current = { ...proc, startedAt: Date.now() };
    await waitOk(`${proc.url}/readyz`, 60_000, proc);
    this.ready = true;
  }

  /** Sends `signal` and waits for the exit; returns the exit code (null after SIGKILL). */
  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<number | null> {
    const proc = this.current;
    this.ready = false;
    if (!proc || proc.child.exitCode !== null) return proc?.child.exitCode ?? null;
    proc.child.kill(signal);
    const code = await proc.exited;
    this.exits.push({ signal, code });
    return code;
  }

  /** Reads one gauge or counter sample from the broker's /metrics (undefined when down). */
  async metric(name: string): Promise<number | undefined> {
    const text = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => (r.ok ? r.text() : undefined), () => undefined);
    if (text === undefined) return undefined;
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  }
}

/** Counts established TCP connections from other processes to `port` on loopback (Linux /proc). */
export async function establishedTo(port: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address rem_address st: the server side of each connection has local port == port.
      if (cols.length > 3 && cols[1]?.endsWith(`:${hex}`) && cols[3] === '01') n++;
    }
  }
  return n;
}
