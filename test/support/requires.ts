import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// The one way a test needs a real outside program (redis-server, Debian's Chromium, promtool,
// prometheus): where it is missing, locally the suite is skipped with a message saying what to
// install; under CI (CI=true) a failing stand-in takes its place, because .ci/run must install it.

export interface Tool {
  /** Command or absolute path. */
  bin: string;
  /** What to install, for the message. */
  install: string;
}

export const TOOLS = {
  redis: { bin: process.env.REDIS_SERVER_BIN ?? 'redis-server', install: 'apt-get install -y redis-server' },
  chromium: { bin: '/usr/bin/chromium', install: 'apt-get install -y chromium' },
  promtool: { bin: process.env.PROMTOOL_BIN ?? 'promtool', install: 'apt-get install -y prometheus' },
  prometheus: { bin: process.env.PROMETHEUS_BIN ?? 'prometheus', install: 'apt-get install -y prometheus' },
} satisfies Record<string, Tool>;

const seen = new Map<string, boolean>();

export function available(tool: Tool): boolean {
  let ok = seen.get(tool.bin);
  if (ok === undefined) {
    ok = tool.bin.startsWith('/') ? existsSync(tool.bin) : spawnSync(tool.bin, ['--version'], { stdio: 'ignore' }).status === 0;
    seen.set(tool.bin, ok);
  }
  return ok;
}

export const missing = (tool: Tool) => `${tool.bin} not found: install it (Debian/Ubuntu: ${tool.install})`;

/**
 * Inside a describe block: when the tool is missing, registers what stands in for the tests (a
 * failing test under CI, a skipped one with a message elsewhere) and returns true.
 */
export function standInFor(tool: Tool, name: string): boolean {
  if (available(tool)) return false;
  if (process.env.CI) {
    it(`${name}: needs ${tool.bin}`, () => {
      throw new Error(`${missing(tool)}. CI must install it (.ci/run does).`);
    });
  } else {
    it.skip(`${name} (skipped: ${missing(tool)})`, () => undefined);
    console.warn(`[skip] ${name}: ${missing(tool)}`);
  }
  return true;
}

/** `describe` whose tests need the tool (see standInFor). */
export function describeWith(tool: Tool, name: string, body: () => void): void {
  describe(name, () => {
    if (!standInFor(tool, name)) body();
  });
}
