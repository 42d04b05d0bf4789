import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// dist/ops/compile-cache.js (built by `npm test` first), main.ts's first import: the compile cache
// goes only into a directory this user owns and no one else can write, and nothing about it can stop a boot.

const MODULE = join(__dirname, '..', '..', 'dist', 'ops', 'compile-cache.js');
const LATER = join(__dirname, '..', '..', 'dist', 'errors.js'); // any module loaded after it

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'compile-cache-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** Loads the module in a fresh node with TMPDIR=tmp; returns the cache directory in use ('' when off). */
function cacheDir(env: Record<string, string> = {}): string {
  const script = `require(${JSON.stringify(MODULE)}); require(${JSON.stringify(LATER)}); console.log(require('node:module').getCompileCacheDir() ?? '')`;
  const run = spawnSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH, TMPDIR: tmp, ...env }, encoding: 'utf8' });
  expect(run.status).toBe(0);
  return run.stdout.trim();
}

it('keeps compiled code in <tmpdir>/node-compile-cache, a directory only this user may read', () => {
  const dir = cacheDir();
  expect(dir.startsWith(join(tmp, 'node-compile-cache'))).toBe(true);
  expect(statSync(join(tmp, 'node-compile-cache')).mode & 0o777).toBe(0o700);
  expect(readdirSync(dir).length).toBeGreaterThan(0); // written at exit
});

it('is not used when someone else could write to the directory', () => {
  mkdirSync(join(tmp, 'node-compile-cache'));
  chmodSync(join(tmp, 'node-compile-cache'), 0o777);
  expect(cacheDir()).toBe('');
});

it('is off with NODE_DISABLE_COMPILE_CACHE=1, and creates nothing', () => {
  expect(cacheDir({ NODE_DISABLE_COMPILE_CACHE: '1' })).toBe('');
  expect(existsSync(join(tmp, 'node-compile-cache'))).toBe(false);
});

it('is skipped where it cannot be created, without failing', () => {
  expect(cacheDir({ TMPDIR: join(tmp, 'missing', 'parent') })).toBe('');
});
