import { spawnSync } from 'node:child_process';

// Debian's `prometheus` package gives promtool and prometheus. Tests that need them run in CI (which
// installs the package, see .ci/run) and fail there if it is missing; elsewhere they are skipped
// with a message, like the Redis and Chromium tests.

export const PROMTOOL = process.env.PROMTOOL_BIN ?? 'promtool';
export const PROMETHEUS = process.env.PROMETHEUS_BIN ?? 'prometheus';

const works = (bin: string) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
const MISSING = (bin: string) => `${bin} not found: install it (Debian/Ubuntu: apt-get install -y prometheus) to run the observability tests`;

/** `describe` whose tests need the binary; a failing stand-in under CI=true, skipped elsewhere. */
export function describeWith(bin: string, name: string, body: () => void): void {
  describe(name, () => {
    if (works(bin)) return body();
    if (process.env.CI) {
      it(`${name}: needs ${bin}`, () => {
        throw new Error(`${MISSING(bin)}. CI must install it (.ci/run does).`);
      });
    } else {
      it.skip(`${name} (skipped: ${MISSING(bin)})`, () => undefined);
      console.warn(`[skip] ${name}: ${MISSING(bin)}`);
    }
  });
}
