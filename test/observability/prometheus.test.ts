import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, type Harness } from '../support/harness';
import { freePort } from '../support/ports';
import { describeWith, PROMETHEUS, RULES, shippedRules } from './prometheus-tools';

// A real Prometheus scrapes a real broker (with the emulator) every second while a small workload
// runs; then the shipped recording rules and every dashboard query are asked through its HTTP API.

const ROOT = join(__dirname, '..', '..');
const DASHBOARD = join(ROOT, 'ops', 'grafana', 'dashboards', 'characters-broker.json');
const CAPACITY = 20;
const DELIVERED = 6;

type Sample = { metric: Record<string, string>; value: [number, string] };

/** A recording rule's expression as shipped. */
function ruleExpr(record: string): string {
  const rule = shippedRules().find((r) => r.record === record);
  if (!rule) throw new Error(`no rule records ${record}`);
  return rule.expr;
}

jest.setTimeout(60_000);

describeWith(PROMETHEUS, 'a real Prometheus scraping the broker', () => {
  let h: Harness;
  let prometheus: ChildProcess;
  let api: string;
  let dir: string;
  let log = '';
  /**
   * When this test saw the scrape with the whole workload stored (wall clock, Prometheus' own).
   * A rule evaluation stamped later ran after that scrape was stored: the scrape's timestamp alone
   * is not enough, as on a busy machine an evaluation can start before a slow scrape is stored.
   */
  let settled = 0;
  /** That scrape's timestamp: every sample up to it is stored, so queries at it always agree. */
  let settledScrape = 0;

  async function query(expr: string, time?: number): Promise<Sample[]> {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}${time === undefined ? '' : `&time=${time}`}`);
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: Sample[] } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data.result;
  }
  const scalarOf = async (expr: string, time?: number) => {
    const result = await query(expr, time);
    return result.length === 1 ? Number(result[0]!.value[1]) : undefined;
  };
  /** Waits (on Prometheus' own progress, not a clock) until the check passes, then returns its value. */
  async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) throw new Error(`${what}: not met in time (${String(last ?? 'no data')})\n${log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** A recorded value from an evaluation that saw the whole workload, and that evaluation's time. */
  async function recorded(rule: string): Promise<{ value: number | undefined; at: number }> {
    const at = await until(`${rule} evaluated after the workload`, async () => {
      const t = await scalarOf(`max(timestamp(${rule}))`);
      return t !== undefined && t > settled ? t : undefined;
    });
    return { value: await scalarOf(rule, at), at };
  }

  beforeAll(async () => {
    h = await startHarness({ GLOBAL_MAX_SESSIONS: String(CAPACITY) });
    const origin = await h.listen();
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    dir = mkdtempSync(join(tmpdir(), 'broker-prometheus-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: [${JSON.stringify(RULES)}]`,
        'scrape_configs:',
        '  - job_name: broker',
        `    static_configs: [{ targets: [${JSON.stringify(new URL(origin).host)}] }]`,
      ].join('\n'),
    );
    prometheus = spawn(
      PROMETHEUS,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (d) => (log += d));
    prometheus.stderr!.on('data', (d) => (log += d));
    await until('prometheus scrapes the broker', async () => ((await scalarOf('up{job="broker"}')) === 1 ? true : undefined));

    // The workload: delivered sessions, client mistakes, Runway failures and an unknown route, then
    // a client that gives up while the session is provisioning. It runs twice: prom-client creates a
    // labelled series at its first increment, and rate() sees only increments after a series' first
    // scrape, so the first round makes every series exist and the second one moves them.
    const post = (body: unknown, signal?: AbortSignal) =>
      fetch(`${origin}/api/avatar/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
    const round = async (delivered: number) => {
      for (let i = 0; i < delivered; i += 1) expect((await post({ avatarId: 'music-superstar' })).status).toBe(200);
      for (const bad of [{}, { avatarId: 42 }]) expect((await post(bad)).status).toBe(400);
      h.emulator.addFault({ operation: 'realtimeSessions.create', action: { type: 'status', status: 503 }, times: 1 });
      expect((await post({ avatarId: 'music-superstar' })).status).toBe(503);
      expect((await fetch(`${origin}/no/such/route`)).status).toBe(404);
    };
    await round(1);
    await until('prometheus scraped the first round', async () =>
      (await scalarOf('sum(broker_http_errors_total{code="UPSTREAM_UNAVAILABLE"})')) === 1 && (await scalarOf('sum(broker_upstream_requests_total{status="503"})')) === 1
        ? true
        : undefined,
    );
    await round(DELIVERED - 1);
    h.emulator.updateSettings({ readiness: { kind: 'fixed', ms: 120_000 } });
    const before = h.emulator.ledger().sessions.length;
    const controller = new AbortController();
    const abandoned = post({ avatarId: 'music-superstar' }, controller.signal).catch(() => 'aborted');
    await until('the abandoned session exists upstream', async () => (h.emulator.ledger().sessions.length > before ? true : undefined));
    controller.abort();
    expect(await abandoned).toBe('aborted');
    await until('the abandoned session is cancelled', async () => (h.emulator.ledger().sessions.some((s) => s.status === 'CANCELLED') ? true : undefined));
    await until('prometheus has the final counts', async () =>
      (await scalarOf('sum(broker_sessions_total{outcome="client_closed"})')) === 1 && (await scalarOf('sum(broker_sessions_total{outcome="delivered"})')) === DELIVERED
        ? true
        : undefined,
    );
    settledScrape = (await scalarOf('max(timestamp(broker_sessions_total{outcome="client_closed"}))'))!;
    settled = Date.now() / 1000;
  }, 90_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      await once(prometheus, 'exit');
    }
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('records the availability SLO without counting Runway’s failures or the client’s mistakes', async () => {
    // Runway's 503s are errors on the wire, but not the broker's.
    const raw = await until('5xx share of session requests', async () => {
      const v = await scalarOf(
        'sum(rate(broker_http_errors_total{route="/api/avatar/session",status=~"5.."}[5m])) / sum(rate(broker_http_request_duration_seconds_count{route="/api/avatar/session"}[5m]))',
      );
      return v !== undefined && v > 0 ? v : undefined;
    });
    expect(raw).toBeGreaterThan(0);
    expect((await recorded('broker:slo_session_errors:ratio_rate5m')).value).toBe(0);
    const { value: recordedEligible, at } = await recorded('broker:slo_session_requests:rate5m');
    expect(recordedEligible).toBeGreaterThan(0);
    expect(recordedEligible).toBeLessThan((await scalarOf('sum(rate(broker_http_request_duration_seconds_count{method="POST",route="/api/avatar/session"}[5m]))', at))!);
    // Eligible = every answer minus the client's (4xx) and Runway's (its 5xx codes): exactly the 200s here.
    // The shipped expression and the 200s' rate are asked at the settled scrape, whose samples are all
    // stored: a recorded value cannot be compared so exactly, as its evaluation may have run before
    // the last scrape at or before its timestamp was stored (rate()'s extrapolation then differs).
    const eligible = await scalarOf(ruleExpr('broker:slo_session_requests:rate5m'), settledScrape);
    const delivered = await scalarOf('sum(rate(broker_http_request_duration_seconds_count{method="POST",route="/api/avatar/session",status="200"}[5m]))', settledScrape);
    expect(delivered).toBeGreaterThan(0);
    expect(eligible).toBeCloseTo(delivered!, 9);
  });

  it('records slack, capacity in use, upstream errors and error codes to the expected values', async () => {
    expect((await recorded('broker:slo_slack_slow:ratio_rate5m')).value).toBe(0);
    // Delivered sessions keep their slot (they run upstream); the failed and abandoned ones gave theirs back.
    expect((await recorded('broker:sessions_capacity_used:ratio')).value).toBeCloseTo(DELIVERED / CAPACITY, 10);
    // Two creates of 2 + 2 × DELIVERED + 1 upstream calls failed (polls, consumes and the cancel succeeded).
    expect((await recorded('broker:upstream_errors:ratio_rate5m')).value).toBeGreaterThan(0);
    const { at } = await recorded('broker:http_errors:rate5m');
    const byCode = Object.fromEntries((await query('broker:http_errors:rate5m', at)).map((s) => [s.metric.code, Number(s.value[1])]));
    // Series first seen in round 2 (the abandoned request's 499) have no rate yet; those of round 1 moved.
    expect(byCode.INVALID_REQUEST).toBeGreaterThan(0);
    expect(byCode.UPSTREAM_UNAVAILABLE).toBeGreaterThan(0);
    expect(Object.keys(byCode).sort()).toEqual(expect.arrayContaining(['INVALID_REQUEST', 'NOT_FOUND', 'UPSTREAM_UNAVAILABLE']));
    expect((await recorded('broker:orphan_cancellations_failed:increase1h')).value).toBe(0);
    // Runway failing 2 calls in ~20 is worth the upstream alert (pending: it needs 10 minutes), and
    // nothing else: not the broker's availability, not its slack, not capacity or orphans.
    const alerts = (await query('ALERTS')).map((s) => s.metric.alertname);
    expect(alerts.filter((name) => name !== 'BrokerUpstreamErrors')).toEqual([]);
  });

  it('answers every dashboard query with data', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    expect(exprs.length).toBeGreaterThan(15);
    for (const { panel, expr } of exprs) {
      expect(expr).not.toMatch(/broker_pool_/); // the pool's panels belong with the pool, once it exists
      // What Grafana substitutes: "All" for the variables, a rate window for $__rate_interval.
      const concrete = expr.replaceAll('$job', '.+').replaceAll('$instance', '.+').replaceAll('$__rate_interval', '1m');
      const result = await until(`${panel}: ${concrete}`, async () => {
        const r = await query(concrete);
        return r.length > 0 ? r : undefined;
      });
      expect(result.length).toBeGreaterThan(0);
    }
  });
});
