import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SessionObserver } from '../sessions/orchestrator';
import type { PoolObserver, PoolState } from '../sessions/pool';
import { ERROR_CODES } from '../errors';

// Prometheus metrics. Labels are bounded by construction: route templates, status codes, operation
// names and outcome enums — never a session, client or avatar id.

export interface Metrics {
  registry: Registry;
  observer: SessionObserver;
  httpMiddleware: RequestHandler;
  upstreamAttempt(op: string, status: string, durationMs: number): void;
  rateLimited(limiter: string): void;
  reaped(outcome: 'cancelled' | 'already-ended' | 'followed' | 'failed'): void;
  rejected(code: string): void;
  /** Reads the number of sessions holding a concurrency slot (starting or running). */
  trackActive(read: () => number | Promise<number>): void;
  /** Warm pool counters; labels are configured avatar ids, or "other". */
  pool: PoolObserver;
  /** Reads the warm pool's size per avatar, for the broker_pool_* gauges. */
  trackPool(read: () => PoolState): void;
  /** Reads the global session cap (concurrency slots), for capacity dashboards and alerts. */
  trackCapacity(read: () => number): void;
  /** Reads what /readyz decides (draining, required stores), so readiness and store health are series. */
  trackHealth(read: () => Promise<{ ready: boolean; stores: Record<string, boolean> }>): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const http = new Histogram({
    name: 'broker_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const sessions = new Counter({
    name: 'broker_sessions_total',
    help: 'Session requests by outcome (delivered, timeout, failed, cancelled, client_closed, shutdown, error, rejected)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const rejections = new Counter({
    name: 'broker_session_rejections_total',
    help: 'Session requests refused before any upstream call, by error code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const timeToReady = new Histogram({
    name: 'broker_session_time_to_ready_seconds',
    help: 'From request to upstream READY',
    buckets: [0.25, 0.5, 1, 2, 4, 6, 8, 10, 15, 20, 30, 45, 60],
    registers: [registry],
  });
  const timeToCredentials = new Histogram({
    name: 'broker_session_time_to_credentials_seconds',
    help: 'From request to credentials delivered',
    buckets: [0.25, 0.5, 1, 2, 4, 6, 8, 10, 15, 20, 30, 45, 60],
    registers: [registry],
  });
  const inflight = new Gauge({ name: 'broker_sessions_inflight', help: 'Session requests being orchestrated now', registers: [registry] });
  let readActive: (() => number | Promise<number>) | undefined;
  new Gauge({
    name: 'broker_sessions_active',
    help: 'Sessions holding a concurrency slot: starting, or delivered and possibly still running upstream',
    registers: [registry],
    async collect() {
      if (readActive) this.set(await readActive());
    },
  });
  const polls = new Counter({ name: 'broker_session_polls_total', help: 'Upstream status polls made while waiting for READY', registers: [registry] });
  const upstream = new Counter({
    name: 'broker_upstream_requests_total',
    help: 'Upstream HTTP attempts by operation and status (network = no response)',
    labelNames: ['op', 'status'] as const,
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: 'broker_upstream_request_duration_seconds',
    help: 'Upstream HTTP attempt duration by operation',
    labelNames: ['op'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'broker_rate_limited_total',
    help: 'Requests refused by a rate limiter',
    labelNames: ['limiter'] as const,
    registers: [registry],
  });
  const cancellations = new Counter({
    name: 'broker_orphan_cancellations_total',
    help: 'Upstream sessions cancelled because they could not be delivered, by reason and result',
    labelNames: ['reason', 'result'] as const,
    registers: [registry],
  });

  const reaped = new Counter({
    name: 'broker_sessions_reaped_total',
    help: 'Sessions a dead replica left behind (or whose cancel failed), settled by the reaper: cancelled, already-ended, followed (delivered, handed to the follower) or failed (retried later)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  // Warm pool (src/sessions/pool.ts). Avatar labels are bounded: ids configured in WARM_POOL, else "other".
  const poolCredentials = new Histogram({
    name: 'broker_pool_time_to_credentials_seconds',
    help: 'From request to credentials delivered, by source: pooled (a READY session from the warm pool) or cold',
    labelNames: ['source'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    registers: [registry],
  });
  const poolHits = new Counter({ name: 'broker_pool_hits_total', help: 'Requests given a READY pooled session', labelNames: ['avatar'] as const, registers: [registry] });
  const poolMisses = new Counter({
    name: 'broker_pool_misses_total',
    help: 'Poolable requests for a pooled avatar that found no READY session (they went cold)',
    labelNames: ['avatar'] as const,
    registers: [registry],
  });
  const poolRetired = new Counter({
    name: 'broker_pool_retired_total',
    help: 'Pooled sessions cancelled unused, by reason (expired, failed, evicted, idle, shutdown, reconfigured)',
    labelNames: ['avatar', 'reason'] as const,
    registers: [registry],
  });
  const poolIdleSeconds = new Counter({
    name: 'broker_pool_idle_seconds_total',
    help: 'Seconds pooled sessions spent READY and unconsumed (what the pool costs in held slots)',
    labelNames: ['avatar'] as const,
    registers: [registry],
  });
  let readPool: (() => PoolState) | undefined;
  const poolGauge = (name: string, help: string, pick: (a: PoolState['avatars'][number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['avatar'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const avatar of readPool?.().avatars ?? []) this.inc({ avatar: avatar.metricsLabel }, pick(avatar));
      },
    });
  poolGauge('broker_pool_size', 'Sessions the warm pool holds now (idle or provisioning), per avatar', (a) => a.idle + a.provisioning);
  poolGauge('broker_pool_idle', 'READY pooled sessions waiting for a request, per avatar', (a) => a.idle);
  poolGauge('broker_pool_target', 'Sessions the warm pool aims to hold (auto: from arrivals and provisioning time), per avatar', (a) => a.target);
  // Error responses by stable code: the SLOs tell the broker's failures from Runway's by code, not
  // by status (503 is both). Codes outside ERROR_CODES are folded into OTHER to keep labels bounded.
  const httpErrors = new Counter({
    name: 'broker_http_errors_total',
    help: 'Error responses (status >= 400) by method, route template, status and error code',
    labelNames: ['method', 'route', 'status', 'code'] as const,
    registers: [registry],
  });
  const slack = new Histogram({
    name: 'broker_session_slack_seconds',
    help: 'From upstream READY seen by a poll to credentials delivered (consume and record); excludes the poll lag before it',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  let readCapacity: (() => number) | undefined;
  new Gauge({
    name: 'broker_sessions_capacity',
    help: 'Global session cap: concurrency slots this deployment may hold at once',
    registers: [registry],
    collect() {
      if (readCapacity) this.set(readCapacity());
    },
  });
  let readHealth: (() => Promise<{ ready: boolean; stores: Record<string, boolean> }>) | undefined;
  const storeUp = new Gauge({ name: 'broker_store_up', help: 'Whether each required store answers (1) or not (0), as /readyz sees it', labelNames: ['store'] as const, registers: [registry] });
  new Gauge({
    name: 'broker_ready',
    help: 'Whether /readyz would answer 200 (1) or 503 (0): draining or a required store down',
    registers: [registry],
    async collect() {
      if (!readHealth) return;
      const health = await readHealth().catch(() => ({ ready: false, stores: { store: false } }));
      this.set(health.ready ? 1 : 0);
      for (const [store, up] of Object.entries(health.stores)) storeUp.set({ store }, up ? 1 : 0);
    },
  });

  // Refusals before any upstream call: counted the same whether validation or admission refused.
  const rejected = (code: string) => {
    sessions.inc({ outcome: 'rejected' });
    rejections.inc({ code });
  };

  return {
    registry,
    observer: {
      inflight: (delta) => inflight.inc(delta),
      rejected,
      polled: () => polls.inc(),
      finished: (outcome, { readyMs, credentialsMs, source }) => {
        sessions.inc({ outcome });
        if (readyMs !== undefined) timeToReady.observe(readyMs / 1000);
        if (credentialsMs !== undefined) timeToCredentials.observe(credentialsMs / 1000);
        if (credentialsMs !== undefined && source) poolCredentials.observe({ source }, credentialsMs / 1000);
        if (readyMs !== undefined && credentialsMs !== undefined) slack.observe(Math.max(0, credentialsMs - readyMs) / 1000);
      },
      cancelled: (reason, result) => cancellations.inc({ reason, result }),
    },
    httpMiddleware: (req, res, next) => {
      const end = http.startTimer();
      let code: string | undefined;
      const json = res.json.bind(res);
      res.json = (body?: unknown) => {
        if (res.statusCode >= 400) code = errorCodeOf(body);
        return json(body);
      };
      res.on('finish', () => {
        const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
        end({ method: req.method, route, status: String(res.statusCode) });
        if (res.statusCode >= 400) httpErrors.inc({ method: req.method, route, status: String(res.statusCode), code: code ?? 'OTHER' });
      });
      next();
    },
    upstreamAttempt: (op, status, durationMs) => {
      upstream.inc({ op, status });
      upstreamDuration.observe({ op }, durationMs / 1000);
    },
    rateLimited: (limiter) => rateLimited.inc({ limiter }),
    reaped: (outcome: 'cancelled' | 'already-ended' | 'followed' | 'failed') => reaped.inc({ outcome }),
    rejected,
    trackActive: (read) => {
      readActive = read;
    },
    pool: {
      hit: (avatar) => poolHits.inc({ avatar }),
      miss: (avatar) => poolMisses.inc({ avatar }),
      retired: (avatar, reason) => poolRetired.inc({ avatar, reason }),
      idleSeconds: (avatar, seconds) => poolIdleSeconds.inc({ avatar }, seconds),
    },
    trackPool: (read) => {
      readPool = read;
    },
    trackCapacity: (read) => {
      readCapacity = read;
    },
    trackHealth: (read) => {
      readHealth = read;
    },
  };
}

/** The `code` of an error body, if it is one of ours (anything else would be an unbounded label). */
function errorCodeOf(body: unknown): string {
  const code = typeof body === 'object' && body !== null ? (body as { code?: unknown }).code : undefined;
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code) ? code : 'OTHER';
}
