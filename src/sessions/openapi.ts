import { z } from 'zod';
import { errorResponses, type OpenAPIRegistry } from '../http/openapi';
import { createSessionBody, createSessionQuery, credentialsResponse, sessionIdParams, sessionKeyResponse, sessionStatusResponse } from './schemas';

export function registerSessionRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/avatar/session',
    tags: ['Sessions'],
    summary: 'Start an avatar session and get one-time WebRTC credentials',
    description:
      'Drop-in for `<AvatarCall connectUrl>`: creates the Runway session, waits until READY, consumes the one-time credentials ' +
      'and returns them. Every call starts a fresh session; credentials are never cached or replayed. If the session cannot ' +
      'be delivered (timeout, client disconnect, failure) it is cancelled upstream.',
    request: {
      query: createSessionQuery,
      headers: z.object({
        'Idempotency-Key': z.string().min(1).max(255).optional().meta({
          description: 'Optional, per client. A retry while the first runs → 409; after delivery → 409 CREDENTIALS_ALREADY_DELIVERED with the sessionId (credentials are never replayed); same key, other body → 422.',
        }),
      }),
      body: { required: true, content: { 'application/json': { schema: createSessionBody, example: { avatarId: 'music-superstar' } } } },
    },
    responses: {
      200: {
        description: 'Credentials (default), or with `?shape=sessionKey` (opt-in) the unconsumed key. Sent with `Cache-Control: no-store`.',
        content: { 'application/json': { schema: credentialsResponse.or(sessionKeyResponse) } },
      },
      ...errorResponses(
        'INVALID_REQUEST',
        'UNAUTHORIZED',
        'FORBIDDEN',
        'CORS_ORIGIN_DENIED',
        'AVATAR_NOT_ALLOWED',
        'OVERRIDE_NOT_ALLOWED',
        'TEMPLATE_CONTEXT_INVALID',
        'TEMPLATE_CONTEXT_REPLAYED',
        'TEMPLATE_TOO_LONG',
        'AVATAR_NOT_FOUND',
        'IDEMPOTENCY_IN_PROGRESS',
        'CREDENTIALS_ALREADY_DELIVERED',
        'IDEMPOTENCY_KEY_REUSED',
        'RATE_LIMITED',
        'CONCURRENCY_LIMIT',
        'CAPACITY_EXHAUSTED',
        'STORE_UNAVAILABLE',
        'NOT_FOUND',
        'PAYLOAD_TOO_LARGE',
        'UNSUPPORTED_MEDIA_TYPE',
        'UPSTREAM_REJECTED',
        'UPSTREAM_RATE_LIMITED',
        'SESSION_FAILED',
        'UPSTREAM_ERROR',
        'UPSTREAM_INVALID_RESPONSE',
        'UPSTREAM_UNAVAILABLE',
        'SHUTTING_DOWN',
        'SESSION_TIMEOUT',
      ),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/avatar/session/{id}',
    tags: ['Sessions'],
    summary: "A session's status (never its credentials)",
    request: { params: sessionIdParams },
    responses: {
      200: { description: 'Non-secret facts about the session.', content: { 'application/json': { schema: sessionStatusResponse } } },
      ...errorResponses('INVALID_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED', 'STORE_UNAVAILABLE'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/avatar/session/{id}',
    tags: ['Sessions'],
    summary: 'Cancel a session (ends the call if it is running)',
    request: { params: sessionIdParams },
    responses: {
      204: { description: 'Cancelled (also when it had already ended).' },
      ...errorResponses('INVALID_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED', 'STORE_UNAVAILABLE'),
    },
  });
}
