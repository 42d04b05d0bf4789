import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describeWith as requires, TOOLS } from '../support/requires';

// Debian's `prometheus` package gives promtool and prometheus. Tests that need them run in CI (which
// installs the package, see .ci/run) and fail there if it is missing; elsewhere they are skipped
// with a message, like the Redis and Chromium tests.

export const PROMTOOL = process.env.PROMTOOL_BIN ?? 'promtool';
export const PROMETHEUS = process.env.PROMETHEUS_BIN ?? 'prometheus';

/** `describe` whose tests need the binary (test/support/requires.ts: skipped locally, failing under CI). */
export function describeWith(bin: string, name: string, body: () => void): void {
  requires(bin === PROMETHEUS ? TOOLS.prometheus : bin === PROMTOOL ? TOOLS.promtool : { bin, install: 'apt-get install -y prometheus' }, name, body);
}

/** The shipped recording and alerting rules. */
export const RULES = join(__dirname, '..', '..', 'ops', 'prometheus', 'rules.yml');

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  annotations?: Record<string, string>;
}

/** Every rule of RULES, group by group in file order. */
export function shippedRules(): Rule[] {
  return (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
}
