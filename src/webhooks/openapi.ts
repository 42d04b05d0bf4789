import { adminRoutes } from '../http/openapi-admin';
import type { OpenAPIRegistry } from '../http/openapi';
import { deadLetterList, deadLetterParams, endpointList, replayed } from './schemas';

export function registerWebhookRoutes(registry: OpenAPIRegistry): void {
  // None of these calls Runway.
  const route = adminRoutes(registry, 'Webhooks');
  route({
    method: 'get',
    path: '/api/webhooks/endpoints',
    summary: 'Configured webhook endpoints (global and per client; secrets never shown)',
    responses: { 200: { description: 'The endpoints.', content: { 'application/json': { schema: endpointList } } } },
    validated: false,
    upstream: false,
  });
  route({
    method: 'get',
    path: '/api/webhooks/dead-letters',
    summary: 'Queue depth and the webhooks that used every attempt',
    responses: { 200: { description: 'Queue counts and dead letters.', content: { 'application/json': { schema: deadLetterList } } } },
    validated: false,
    upstream: false,
  });
  route({
    method: 'post',
    path: '/api/webhooks/dead-letters/{id}/replay',
    summary: 'Deliver a dead letter again, with a fresh round of attempts (same webhook-id)',
    request: { params: deadLetterParams },
    responses: { 202: { description: 'Queued again.', content: { 'application/json': { schema: replayed } } } },
    errors: ['NOT_FOUND'],
    upstream: false,
  });
}
