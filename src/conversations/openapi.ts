import { z } from 'zod';
import { errorResponses, type OpenAPIRegistry } from '../http/openapi';
import { adminRoutes, UPSTREAM_ERRORS } from '../http/openapi-admin';
import { sessionIdParams } from '../sessions/schemas';
import { conversationIdParams, conversationPage, conversationResponse, listConversationsQuery, transcriptQuery, transcriptResponse } from './schemas';

export function registerConversationRoutes(registry: OpenAPIRegistry): void {
  const route = adminRoutes(registry, 'Conversations');
  const conversationJson = { 'application/json': { schema: conversationResponse } };

  route({
    method: 'get',
    path: '/api/conversations',
    summary: 'List conversations (filter by avatar and date range; cursor pagination)',
    request: { query: listConversationsQuery },
    responses: { 200: { description: "A page in Runway's shape.", content: { 'application/json': { schema: conversationPage } } } },
    errors: ['UPSTREAM_REJECTED'],
  });
  route({
    method: 'get',
    path: '/api/conversations/{id}',
    summary: 'Get a conversation: transcript, tool calls and a fresh recordingUrl',
    request: { params: conversationIdParams },
    responses: { 200: { description: 'The conversation (Cache-Control: no-store).', content: conversationJson } },
    errors: ['CONVERSATION_NOT_FOUND', 'UPSTREAM_REJECTED'],
  });
  route({
    method: 'get',
    path: '/api/conversations/{id}/transcript',
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
    },
    errors: ['CONVERSATION_NOT_FOUND', 'UPSTREAM_REJECTED'],
  });
  route({
    method: 'delete',
    path: '/api/conversations/{id}',
    summary: 'Delete a conversation and its data',
    request: { params: conversationIdParams },
    responses: { 204: { description: 'Deleted.' } },
    errors: ['CONVERSATION_NOT_FOUND', 'UPSTREAM_REJECTED'],
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
      ...errorResponses('INVALID_REQUEST', 'UNAUTHORIZED', 'NOT_FOUND', 'CONVERSATION_NOT_FOUND', 'UPSTREAM_REJECTED', 'STORE_UNAVAILABLE', ...UPSTREAM_ERRORS),
    },
  });
}
