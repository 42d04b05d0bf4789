import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { freePort } from '../support/ports';

// Issue 12, a lean process: what a default production broker loads while it boots and hands out a
// session (dist/main.js, built by `npm test` first). Features that are off, admin-only routes and
// libraries only their first use needs must not be among them: this fails when someone imports one
// at the top of a module again instead of loading it on first use.

const ROOT = join(__dirname, '..', '..');
const KEY = 'key_boot_modules_test_secret';

/** Packages that load only when their feature is configured or first used. */
const LAZY_PACKAGES = [
  'bullmq', // webhooks over Redis with endpoints
  'ioredis', // REDIS_URL
  'rate-limit-redis', // REDIS_URL
  'yaml', // a YAML TEMPLATES_FILE
  'multer', // the first multipart body
  'busboy',
  'gpt-tokenizer', // the first token count
  'jose', // JWT_* or TEMPLATE_CONTEXT_*
  'pino-pretty', // development logs
  '@scalar/express-api-reference', // the first /docs request
  '@opentelemetry/sdk-trace-node', // OTEL_* exporters
  '@runwayml/sdk/resources', // the SDK's client: the management API (the session path sends its own JSON)
];

/** Our modules that load only when their feature is configured or first used. */
const LAZY_FILES = [
  'emulator/index.js', // the embedded emulator
  'store/redis.js',
  'webhooks/bullmq-queue.js',
  'ops/openapi.js', // the OpenAPI document
  'management.js', // /api/avatars, /api/documents, /api/conversations
  'avatars/router.js',
  'documents/router.js',
  'documents/knowledge.js',
  'conversations/router.js',
  'sessions/pool-router.js',
  'templates/router.js',
  'usage/router.js',
  'webhooks/router.js',
];

const packageDir = (name: string) => `${join('node_modules', name)}/`;

let emulator: EmulatorHandle;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ settings: { apiKey: KEY, readiness: { kind: 'fixed', ms: 50 } } });
  dir = mkdtempSync(join(tmpdir(), 'boot-modules-'));
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs dist/main.js until ready, asks for one session (unless told not to), stops it; returns every module file it loaded. */
async function loadedModules(session = true): Promise<string[]> {
  const preload = join(dir, 'record-modules.js');
  const out = join(dir, 'modules.json');
  writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`);
  const port = await freePort();
  const child = spawn(process.execPath, ['--require', preload, join(ROOT, 'dist', 'main.js')], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      RUNWAYML_API_SECRET: KEY,
      RUNWAYML_BASE_URL: emulator.url,
      GLOBAL_MAX_SESSIONS: '10',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
      ANONYMOUS_SESSIONS: 'on',
      CORS_ORIGINS: 'https://app.example.com',
      ANONYMOUS_AVATARS: 'music-superstar',
    },
    stdio: 'ignore',
  });
  const exited = once(child, 'exit');
  try {
    await until(() => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false));
    if (session) {
      const res = await fetch(`http://127.0.0.1:${port}/api/avatar/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ avatarId: 'music-superstar' }),
      });
      expect(res.status).toBe(200);
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return JSON.parse(readFileSync(out, 'utf8')) as string[];
}

async function until(ready: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('broker did not become ready');
}

it('boots and delivers a session without loading what only other features need', async () => {
  // The lists name things that exist, so a renamed file cannot make this pass vacuously.
  for (const name of LAZY_PACKAGES) expect(existsSync(join(ROOT, packageDir(name)))).toBe(true);
  for (const file of LAZY_FILES) expect(existsSync(join(ROOT, 'dist', file))).toBe(true);

  const loaded = await loadedModules();
  expect(loaded).toContain(join(ROOT, 'dist', 'app.js'));
  expect(loaded.some((p) => p.includes(packageDir('express')))).toBe(true);
  expect({
    packages: LAZY_PACKAGES.filter((name) => loaded.some((p) => p.includes(packageDir(name)))),
    files: LAZY_FILES.filter((file) => loaded.includes(join(ROOT, 'dist', file))),
  }).toEqual({ packages: [], files: [] });
}, 60_000);

it('reaches ready without the upstream socket pool (undici), which the first upstream call loads', async () => {
  expect(existsSync(join(ROOT, packageDir('undici')))).toBe(true);
  const uses = (loaded: string[]) => loaded.some((p) => p.includes(packageDir('undici')));
  expect(uses(await loadedModules(false))).toBe(false);
  expect(uses(await loadedModules(true))).toBe(true);
}, 60_000);
