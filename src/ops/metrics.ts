import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SessionObserver } from '../sessions/orchestrator';

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
      finished: (outcome, { readyMs, credentialsMs }) => {
        sessions.inc({ outcome });
        if (readyMs !== undefined) timeToReady.observe(readyMs / 1000);
        if (credentialsMs !== undefined) timeToCredentials.observe(credentialsMs / 1000);
      },
      cancelled: (reason, result) => cancellations.inc({ reason, result }),
    },
    httpMiddleware: (req, res, next) => {
      const end = http.startTimer();
      res.on('finish', () => {
        const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
        end({ method: req.method, route, status: String(res.statusCode) });
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
  };
}
