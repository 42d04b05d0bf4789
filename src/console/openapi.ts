import { ADMIN_ERRORS, adminSecurity } from '../avatars/openapi';
import { errorResponses, type OpenAPIRegistry } from '../http/openapi';
import { consoleState } from './schemas';

export function registerConsoleRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/console/state',
    tags: ['Console'],
    summary: 'Live operator view: sessions, capacity, per-client usage, recent errors, upstream latency',
    description:
      'What the /console page polls. Read-only. Capacity and per-client usage are shared across replicas; the session lists, ' +
      'errors and latencies are this replica\'s. Never holds a key, token or LiveKit URL.',
    security: adminSecurity(registry),
    responses: {
      200: { description: 'The current state (sent with Cache-Control: no-store).', content: { 'application/json': { schema: consoleState } } },
      ...errorResponses(...ADMIN_ERRORS, 'RATE_LIMITED'),
    },
  });
}
