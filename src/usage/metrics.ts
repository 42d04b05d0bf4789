import { Counter, type Registry } from 'prom-client';
import type { UsageMetric } from '../store/types';
import { metricLabel } from './subjects';

// Usage counters for Prometheus, labelled by configured client name only (JWT subjects and anonymous
// addresses aggregated), so cardinality is bounded by the clients file.

export interface UsageMetrics {
  count(clientId: string, metric: UsageMetric, n: number): void;
  budgetRefused(clientId: string, window: string): void;
}

export function createUsageMetrics(registry: Registry, knownClients: ReadonlySet<string>): UsageMetrics {
  const sessions = new Counter({
    name: 'broker_usage_sessions_total',
    help: 'Sessions by client (configured name; jwt and anonymous aggregated) and event: requested, delivered, failed, timedOut',
    labelNames: ['client', 'event'] as const,
    registers: [registry],
  });
  const seconds = new Counter({
    name: 'broker_usage_session_seconds_total',
    help: 'Session-seconds (delivered to ended, capped by maxDuration) by client',
    labelNames: ['client'] as const,
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'broker_usage_budget_refusals_total',
    help: 'Session requests refused with USAGE_BUDGET_EXCEEDED, by client and window',
    labelNames: ['client', 'window'] as const,
    registers: [registry],
  });
  return {
    count(clientId, metric, n) {
      const client = metricLabel(clientId, knownClients);
      if (metric === 'sessionSeconds') seconds.inc({ client }, n);
      else sessions.inc({ client, event: metric }, n);
    },
    budgetRefused(clientId, window) {
      refusals.inc({ client: metricLabel(clientId, knownClients), window });
    },
  };
}
