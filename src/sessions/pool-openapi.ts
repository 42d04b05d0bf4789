import type { OpenAPIRegistry } from '../http/openapi';
import { adminRoutes } from '../http/openapi-admin';
import { avatarPoolState, poolAvatarParams, poolStateResponse, resizePoolBody } from './pool-schemas';

export function registerPoolRoutes(registry: OpenAPIRegistry): void {
  const route = adminRoutes(registry, 'Warm pool');
  route({
    method: 'get',
    path: '/api/pool',
    summary: 'What the warm pool holds, per avatar',
    description: 'READY sessions held for instant start (WARM_POOL), with hits, misses and the current target. Per replica.',
    responses: { 200: { description: 'The pool of this replica.', content: { 'application/json': { schema: poolStateResponse } } } },
    errors: ['RATE_LIMITED'],
    validated: false,
    upstream: false,
  });
  route({
    method: 'put',
    path: '/api/pool/{avatarId}',
    summary: "Resize one avatar's pool at run time",
    description: 'Sets the size (or auto) until the next restart; extra idle sessions are cancelled, missing ones created in the background. This replica only.',
    request: { params: poolAvatarParams, body: { required: true, content: { 'application/json': { schema: resizePoolBody, example: { size: 2 } } } } },
    responses: { 200: { description: "The avatar's pool after the change.", content: { 'application/json': { schema: avatarPoolState } } } },
    errors: ['UNSUPPORTED_MEDIA_TYPE', 'RATE_LIMITED'],
    upstream: false,
  });
  route({
    method: 'delete',
    path: '/api/pool/{avatarId}',
    summary: "Drain one avatar's pool",
    description: 'Cancels its idle sessions upstream and stops refilling it until the next restart or PUT. This replica only.',
    request: { params: poolAvatarParams },
    responses: { 204: { description: 'Drained.' } },
    errors: ['NOT_FOUND', 'RATE_LIMITED'],
    upstream: false,
  });
}
