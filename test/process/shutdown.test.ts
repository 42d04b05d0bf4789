import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../support/ports';

// Real processes: how the broker stops (drain delay, backstop), its server timeouts, and the npm
// scripts a developer or a process manager uses (`npm start`, `npm run emulator`).

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'main.js');
const children: ChildProcess[] = [];

interface Proc {
  child: ChildProcess;
  exited: Promise<number | null>;
  out(): string;
}

function track(child: ChildProcess): Proc {
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, out: () => out };
}

/** The broker on the embedded emulator, production-style (JSON logs), anonymous sessions allowed. */
function broker(port: number, env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      RUNWAY_MODE: 'emulator',
      PORT: String(port),
      HOST: '127.0.0.1',
      ANONYMOUS_SESSIONS: 'on',
      CORS_ORIGINS: 'https://app.example.com',
      ANONYMOUS_AVATARS: 'music-superstar',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(child);
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const answers = (url: string) => fetch(url).then((r) => r.ok, () => false);
const refused = (url: string) => fetch(url).then(() => false, () => true);
const startSession = (port: number) =>
  fetch(`http://127.0.0.1:${port}/api/avatar/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ avatarId: 'music-superstar' }),
  });
const messages = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('drain on SIGTERM', () => {
  it('fails readiness and refuses new sessions with 503 SHUTTING_DOWN while the listener still accepts', async () => {
    const port = await freePort();
    // A long delay, so the checks below cannot race it; a second signal ends it.
    const p = broker(port, { SHUTDOWN_DRAIN_DELAY_MS: '120000' });
    await waitFor(() => answers(`http://127.0.0.1:${port}/readyz`), 'ready');
    p.child.kill('SIGTERM');
    await waitFor(() => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 503, () => false), 'readyz 503');

    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(((await ready.json()) as { status: string }).status).toBe('draining');
    expect(ready.headers.get('connection')).toBe('close'); // clients reconnect, to another replica
    const res = await startSession(port);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(((await res.json()) as { code: string }).code).toBe('SHUTTING_DOWN');
    expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const log = messages(p.out());
    expect(log.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'shutdown complete']));
  });

  it('closes the listener by itself when the delay is over; the backstop covers delay, grace and the drain budget', async () => {
    const port = await freePort();
    const p = broker(port, { SHUTDOWN_DRAIN_DELAY_MS: '300', SHUTDOWN_GRACE_MS: '1000' });
    await waitFor(() => answers(`http://127.0.0.1:${port}/readyz`), 'ready');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const log = messages(p.out());
    const stopping = log.find((l) => l.msg === 'shutting down')!;
    // 300 delay + (1000 grace + 30 000 create bound (UPSTREAM_CREATE_TIMEOUT_MS) + 15 000 cancel budget + 1 000) + 5 000 margin
    expect(stopping).toMatchObject({ drainDelayMs: 300, graceMs: 1000, backstopMs: 52_300 });
    expect(log.map((l) => l.msg)).toEqual(expect.arrayContaining(['drain delay over; closing the listener', 'shutdown complete']));
    await waitFor(() => refused(`http://127.0.0.1:${port}/livez`), 'port closed', 5000);
  });
});

describe('server timeouts', () => {
  it('answers 408 and closes a connection whose headers do not arrive within HTTP_HEADERS_TIMEOUT_MS', async () => {
    const port = await freePort();
    const p = broker(port, { HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1500', HTTP_REQUEST_TIMEOUT_MS: '2000' });
    await waitFor(() => answers(`http://127.0.0.1:${port}/readyz`), 'ready');
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => (received += d));
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    socket.write('GET /livez HTTP/1.1\r\nHost: localhost\r\n'); // never the blank line that ends the headers
    await once(socket, 'close');
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('refuses settings that break Node\'s timeout rules at boot', async () => {
    const p = broker(await freePort(), { HTTP_KEEP_ALIVE_TIMEOUT_MS: '70000', HTTP_HEADERS_TIMEOUT_MS: '60000' });
    expect(await p.exited).toBe(78);
    expect(p.out()).toContain('HTTP_HEADERS_TIMEOUT_MS: must exceed HTTP_KEEP_ALIVE_TIMEOUT_MS');
  });
});

describe('npm scripts pass signals on', () => {
  // npm runs a script through `sh -c`; without `exec` the shell, not node, got the signal and the
  // broker kept serving, re-parented. SIGTERM to npm's pid must stop node and free the port.
  const npm = (args: string[], env: Record<string, string>) =>
    track(spawn('npm', [...args, '--silent'], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));

  it('npm start: SIGTERM to npm stops the broker; .env is read and the environment wins', async () => {
    const port = await freePort();
    // .env is the developer's file: only write one (and remove it) when there is none.
    const envFile = join(ROOT, '.env');
    const ownEnvFile = !existsSync(envFile);
    if (ownEnvFile) writeFileSync(envFile, `SHUTDOWN_GRACE_MS=4321\nPORT=1\n`);
    try {
      const p = npm(['start'], { NODE_ENV: 'production', RUNWAY_MODE: 'emulator', PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_DRAIN_DELAY_MS: '0' });
      await waitFor(() => answers(`http://127.0.0.1:${port}/readyz`), 'npm start ready', 120_000);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      await waitFor(() => refused(`http://127.0.0.1:${port}/livez`), 'port closed', 10_000);
      const log = messages(p.out());
      expect(log.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'shutdown complete']));
      if (ownEnvFile) {
        const starting = log.find((l) => l.msg === 'starting characters-broker') as { settings: Record<string, unknown> };
        expect(starting.settings).toMatchObject({ SHUTDOWN_GRACE_MS: 4321, PORT: port });
      }
    } finally {
      if (ownEnvFile) rmSync(envFile, { force: true });
    }
  }, 150_000);

  it('npm run emulator: SIGTERM to npm stops the emulator', async () => {
    const port = await freePort();
    const p = npm(['run', 'emulator'], { NODE_ENV: 'production', EMULATOR_PORT: String(port), EMULATOR_HOST: '127.0.0.1' });
    await waitFor(() => answers(`http://127.0.0.1:${port}/__emulator/health`), 'emulator ready', 120_000);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    await waitFor(() => refused(`http://127.0.0.1:${port}/__emulator/health`), 'port closed', 10_000);
  }, 150_000);
});
