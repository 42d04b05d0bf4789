import { z } from 'zod';
import { ADMIN_ERRORS, adminSecurity } from '../avatars/openapi';
import { errorResponses, type OpenAPIRegistry } from '../http/openapi';
import { sessionIdParams } from '../sessions/schemas';
import { conversationIdParams, conversationPage, conversationResponse, listConversationsQuery, transcriptQuery, transcriptResponse } from './schemas';

const UPSTREAM_ERRORS = ['UPSTREAM_RATE_LIMITED', 'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE'] as const;

export function registerConversationRoutes(registry: OpenAPIRegistry): void {
  const security = adminSecurity(registry);
  const tags = ['Conversations'];
  const conversationJson = { 'application/json': { schema: conversationResponse } };

  registry.registerPath({
    method: 'get',
    path: '/api/conversations',
    tags,
    security,
    summary: 'List conversations (filter by avatar and date range; cursor pagination)',
    request: { query: listConversationsQuery },
    responses: {
      200: { description: "A page in Runway's shape.", content: { 'application/json': { schema: conversationPage } } },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/conversations/{id}',
    tags,
    security,
    summary: 'Get a conversation: transcript, tool calls and a fresh recordingUrl',
    request: { params: conversationIdParams },
    responses: {
      200: { description: 'The conversation (Cache-Control: no-store).', content: conversationJson },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'CONVERSATION_NOT_FOUND', 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/conversations/{id}/transcript',
    tags,
    security,
    summary: 'Export the transcript as JSON or plain text',
    request: { params: conversationIdParams, query: transcriptQuery },
    responses: {
      200: {
        description: 'Sent as an attachment named conversation-{id}.json or .txt.',
        content: {
          'application/json': { schema: transcriptResponse },
          'text/plain': { schema: z.string().meta({ example: '[2026-09-01T10:00:00.000Z] Avatar: Hello!\n[2026-09-01T10:00:01.000Z] User: Hi.\n' }) },
        },
      },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'CONVERSATION_NOT_FOUND', 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/conversations/{id}',
    tags,
    security,
    summary: 'Delete a conversation and its data',
    request: { params: conversationIdParams },
    responses: { 204: { description: 'Deleted.' }, ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'CONVERSATION_NOT_FOUND', 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/avatar/session/{id}/conversation',
    tags: ['Sessions', 'Conversations'],
    summary: "Your own session's conversation (no admin key needed)",
    description:
      'For the client that started the session (same API key, or the same anonymous browser). Other non-admin clients get 404, ' +
      'as for an unknown session.',
    request: { params: sessionIdParams },
    responses: {
      200: { description: 'The conversation (Cache-Control: no-store).', content: conversationJson },
      ...errorResponses('INVALID_REQUEST', 'UNAUTHORIZED', 'NOT_FOUND', 'CONVERSATION_NOT_FOUND', 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS),
    },
  });
}
