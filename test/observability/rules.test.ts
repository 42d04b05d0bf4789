import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describeWith, PROMTOOL, RULES, shippedRules } from './prometheus-tools';

const ROOT = join(__dirname, '..', '..');
// Two files: the slow-burn cases run at a 10-minute evaluation step (days at 1m steps take minutes).
const RULE_TESTS = ['rules.test.yml', 'rules-slow.test.yml'].map((f) => join(ROOT, 'ops', 'prometheus', f));

const alerts = shippedRules().filter((r) => r.alert);
const cases = RULE_TESTS.flatMap((file) =>
  (parse(readFileSync(file, 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests.flatMap((t) => t.alert_rule_test),
);

describeWith(PROMTOOL, 'promtool', () => {
  const promtool = (...args: string[]) => spawnSync(PROMTOOL, args, { encoding: 'utf8', cwd: join(ROOT, 'ops', 'prometheus') });

  it('accepts the rules (check rules)', () => {
    const run = promtool('check', 'rules', RULES);
    expect(run.stderr + run.stdout).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  it('accepts the compose Prometheus config (with the rules where compose mounts them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'broker-promconfig-'));
    try {
      const config = readFileSync(join(ROOT, 'ops', 'prometheus', 'prometheus.yml'), 'utf8').replace('/etc/prometheus/rules.yml', RULES);
      writeFileSync(join(dir, 'prometheus.yml'), config);
      const run = promtool('check', 'config', join(dir, 'prometheus.yml'));
      expect(run.stderr + run.stdout).toContain('SUCCESS');
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // promtool evaluates every rule at every step of every case: about a minute on a busy machine.
  it.each(RULE_TESTS)('passes every alert unit test in %s (test rules)', (file) => {
    const run = promtool('test', 'rules', file);
    if (run.status !== 0) throw new Error(run.stdout + run.stderr);
    expect(run.stdout).toContain('SUCCESS');
  }, 300_000);
});

describe('every alert', () => {
  const runbook = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
  it.each(alerts.map((a) => a.alert!))('%s: has a case where it fires, one where it stays quiet, and a runbook entry', (name) => {
    const mine = cases.filter((c) => c.alertname === name);
    expect(mine.some((c) => c.exp_alerts.length > 0)).toBe(true);
    expect(mine.some((c) => c.exp_alerts.length === 0)).toBe(true);
    const rule = alerts.find((a) => a.alert === name)!;
    expect(rule.annotations?.runbook).toBe(`docs/operations.md#${name.toLowerCase()}`);
    expect(runbook).toMatch(new RegExp(`^#+ ${name}$`, 'm'));
  });
});
