import { ADMIN_ERRORS, adminSecurity } from '../http/openapi-admin';
import { errorResponses, type OpenAPIRegistry } from '../http/openapi';
import { deadLetterList, deadLetterParams, endpointList, replayed } from './schemas';

export function registerWebhookRoutes(registry: OpenAPIRegistry): void {
  const security = adminSecurity(registry);
  const tags = ['Webhooks'];
  registry.registerPath({
    method: 'get',
    path: '/api/webhooks/endpoints',
    tags,
    security,
    summary: 'Configured webhook endpoints (global and per client; secrets never shown)',
    responses: { 200: { description: 'The endpoints.', content: { 'application/json': { schema: endpointList } } }, ...errorResponses(...ADMIN_ERRORS) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/webhooks/dead-letters',
    tags,
    security,
    summary: 'Queue depth and the webhooks that used every attempt',
    responses: { 200: { description: 'Queue counts and dead letters.', content: { 'application/json': { schema: deadLetterList } } }, ...errorResponses(...ADMIN_ERRORS) },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/webhooks/dead-letters/{id}/replay',
    tags,
    security,
    summary: 'Deliver a dead letter again, with a fresh round of attempts (same webhook-id)',
    request: { params: deadLetterParams },
    responses: { 202: { description: 'Queued again.', content: { 'application/json': { schema: replayed } } }, ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'NOT_FOUND') },
  });
}
