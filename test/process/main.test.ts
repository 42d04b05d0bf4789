import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { eventually } from '../support/harness';
import { freePort } from '../support/ports';

// The real entry point (dist/main.js, built by `npm test` first) as ops run it.

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');
const KEY = 'key_process_test_secret_abcdef';

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function waitReady(port: number) {
  for (let i = 0; i < 200; i += 1) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('broker did not become ready');
}

let emulator: EmulatorHandle;
let child: ChildProcess | undefined;
beforeAll(async () => {
  emulator = await startEmulator({ settings: { apiKey: KEY, readiness: { kind: 'fixed', ms: 10_000 } } });
});
afterEach(() => child?.kill('SIGKILL'));
afterAll(() => emulator.close());

describe('boot', () => {
  it('refuses to start in production without a Runway key, explaining what to set', async () => {
    const p = run({ NODE_ENV: 'production', PORT: String(await freePort()) });
    child = p.child;
    expect(await p.exited).toBe(78);
    expect(p.err()).toContain('RUNWAYML_API_SECRET');
    expect(p.err()).toContain('RUNWAY_MODE=emulator');
  });

  it('refuses anonymous sessions in production without CORS and avatar allowlists', async () => {
    const p = run({ NODE_ENV: 'production', RUNWAY_MODE: 'emulator', ANONYMOUS_SESSIONS: 'on', PORT: String(await freePort()) });
    child = p.child;
    expect(await p.exited).toBe(78);
    expect(p.err()).toContain('ANONYMOUS_SESSIONS=on in production needs CORS_ORIGINS and ANONYMOUS_AVATARS');
  });

  it('prints one line per bad setting and exits', async () => {
    const p = run({ PORT: 'x', SESSION_READY_TIMEOUT_MS: '-1' });
    child = p.child;
    expect(await p.exited).toBe(78);
    expect(p.err()).toMatch(/- PORT: .*\n\s+- SESSION_READY_TIMEOUT_MS: /);
  });
});

describe('SIGTERM', () => {
  it('answers the waiting client 503, cancels its upstream session and exits 0', async () => {
    const port = await freePort();
    const p = run({
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      RUNWAYML_API_SECRET: KEY,
      RUNWAYML_BASE_URL: emulator.url,
      SHUTDOWN_GRACE_MS: '300',
      // Production allows anonymous browsers only behind both allowlists.
      ANONYMOUS_SESSIONS: 'on',
      CORS_ORIGINS: 'https://app.example.com',
      ANONYMOUS_AVATARS: 'music-superstar',
    });
    child = p.child;
    await waitReady(port);
    const before = emulator.ledger().sessions.length;
    const pending = fetch(`http://127.0.0.1:${port}/api/avatar/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ avatarId: 'music-superstar' }),
    });
    await eventually(() => emulator.ledger().sessions.length === before + 1);
    const id = emulator.ledger().sessions.at(-1)!.id;
    p.child.kill('SIGTERM');
    const res = await pending;
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('SHUTTING_DOWN');
    expect(await p.exited).toBe(0);
    expect(emulator.ledger().sessions.find((s) => s.id === id)!.status).toBe('CANCELLED');
    // Production logs are JSON lines, and never carry the key.
    const lines = p.out().trim().split('\n');
    expect(lines.every((l) => l.startsWith('{'))).toBe(true);
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(expect.arrayContaining(['shutting down', 'shutdown complete']));
    expect(p.out() + p.err()).not.toContain(KEY.slice(8));
  });
});
