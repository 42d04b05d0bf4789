import { z } from 'zod';
import { ADMIN_ERRORS, adminRoutes } from '../http/openapi-admin';
import { errorResponses, type OpenAPIRegistry } from '../http/openapi';
import { budgetState, budgetSubjectParams, usageQuery, usageReport } from './schemas';

export function registerUsageRoutes(registry: OpenAPIRegistry): void {
  const tags = ['Usage'];
  registry.registerPath({
    method: 'get',
    path: '/api/usage',
    tags,
    summary: 'Usage per UTC day, client and avatar (JSON or CSV)',
    description:
      'Admins see every client and may filter by `client`; a client with `sessions:read` sees its own usage only ' +
      '(another `client` is refused with 403). Sessions are counted on the day they were delivered.',
    request: { query: usageQuery },
    responses: {
      200: {
        description: 'The report (Cache-Control: no-store); with format=csv an attachment usage-{from}-{to}.csv.',
        content: {
          'application/json': { schema: usageReport },
          'text/csv': { schema: z.string().meta({ example: 'day,client,avatar,requested,delivered,failed,timedOut,sessionSeconds\r\n2026-11-30,key:acme,music-superstar,3,3,0,0,412\r\n' }) },
        },
      },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS),
    },
  });
  // Budgets are admin routes and never call Runway.
  const route = adminRoutes(registry, 'Usage');
  route({
    method: 'get',
    path: '/api/usage/budgets/{client}',
    summary: "A client's budget windows: limits, minutes used (settled + reserved) and sessions",
    request: { params: budgetSubjectParams },
    responses: { 200: { description: 'The current windows (empty when the subject has no budget).', content: { 'application/json': { schema: budgetState } } } },
    upstream: false,
  });
  route({
    method: 'post',
    path: '/api/usage/budgets/{client}/reset',
    summary: "Reset a client's current budget windows to zero",
    request: { params: budgetSubjectParams },
    responses: { 200: { description: 'The windows after the reset.', content: { 'application/json': { schema: budgetState } } } },
    upstream: false,
  });
}
