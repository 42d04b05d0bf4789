import { z } from 'zod';
import type { OpenAPIRegistry } from '../http/openapi';

// The operational routes of src/ops/health.ts. They sit before CORS and auth: no credentials.

const liveResponse = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' });

const readyResponse = z
  .object({
    status: z.enum(['ready', 'draining', 'unavailable']).meta({ description: '`ready` (200); `draining` or `unavailable` (503).' }),
    checks: z.object({
      stores: z
        .record(z.string(), z.enum(['ok', 'down']))
        .meta({ description: 'Each required store (e.g. Redis); any `down` makes the broker unready.' }),
      upstream: z
        .enum(['ok', 'degraded', 'unknown'])
        .meta({ description: "Runway's recent health: reported only, never a reason to be unready." }),
    }),
  })
  .meta({ id: 'Readiness', example: { status: 'ready', checks: { stores: {}, upstream: 'ok' } } });

const noStore = z.object({ 'Cache-Control': z.literal('no-store') });

export function registerOpsRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/livez',
    tags: ['Operations'],
    summary: 'Liveness: the process runs',
    description: 'Checks no dependency, so a Runway or store outage never restarts the broker.',
    security: [],
    responses: {
      200: { description: 'The process is alive.', headers: noStore, content: { 'application/json': { schema: liveResponse } } },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    tags: ['Operations'],
    summary: 'Readiness: the broker can take traffic',
    description: 'Unready (503) while draining for shutdown or while a required store is down. Runway\'s health is reported, not acted on.',
    security: [],
    responses: {
      200: { description: 'Ready.', headers: noStore, content: { 'application/json': { schema: readyResponse } } },
      503: { description: 'Draining or a required store is down.', headers: noStore, content: { 'application/json': { schema: readyResponse } } },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    tags: ['Operations'],
    summary: 'Prometheus metrics',
    description:
      'Process metrics plus request durations by route, sessions by outcome, time to READY and to credentials, in-flight and ' +
      'active sessions, upstream calls by operation and status, rate-limit rejections and orphan cancellations. Labels are ' +
      'bounded: no session, client or avatar ids. Served here when METRICS_PORT=0, otherwise only on that internal port.',
    security: [],
    responses: {
      200: {
        description: 'Prometheus text exposition format.',
        headers: noStore,
        content: { 'text/plain': { schema: z.string().meta({ example: 'broker_sessions_total{outcome="delivered"} 42' }) } },
      },
    },
  });
}
