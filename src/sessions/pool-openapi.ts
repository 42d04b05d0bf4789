import { ADMIN_ERRORS, adminSecurity } from '../avatars/openapi';
import { errorResponses, type OpenAPIRegistry } from '../http/openapi';
import { avatarPoolState, poolAvatarParams, poolStateResponse, resizePoolBody } from './pool-schemas';

export function registerPoolRoutes(registry: OpenAPIRegistry): void {
  const security = adminSecurity(registry);
  registry.registerPath({
    method: 'get',
    path: '/api/pool',
    tags: ['Warm pool'],
    summary: 'What the warm pool holds, per avatar',
    description: 'READY sessions held for instant start (WARM_POOL), with hits, misses and the current target. Per replica.',
    security,
    responses: {
      200: { description: 'The pool of this replica.', content: { 'application/json': { schema: poolStateResponse } } },
      ...errorResponses(...ADMIN_ERRORS, 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/pool/{avatarId}',
    tags: ['Warm pool'],
    summary: "Resize one avatar's pool at run time",
    description: 'Sets the size (or auto) until the next restart; extra idle sessions are cancelled, missing ones created in the background. This replica only.',
    security,
    request: { params: poolAvatarParams, body: { required: true, content: { 'application/json': { schema: resizePoolBody, example: { size: 2 } } } } },
    responses: {
      200: { description: "The avatar's pool after the change.", content: { 'application/json': { schema: avatarPoolState } } },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'UNSUPPORTED_MEDIA_TYPE', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/pool/{avatarId}',
    tags: ['Warm pool'],
    summary: "Drain one avatar's pool",
    description: 'Cancels its idle sessions upstream and stops refilling it until the next restart or PUT. This replica only.',
    security,
    request: { params: poolAvatarParams },
    responses: {
      204: { description: 'Drained.' },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'NOT_FOUND', 'RATE_LIMITED'),
    },
  });
}
