import { adminRoutes } from '../http/openapi-admin';
import type { OpenAPIRegistry } from '../http/openapi';
import {
  avatarIdParams,
  avatarPage,
  avatarResponse,
  createAvatarBody,
  createAvatarForm,
  listAvatarsQuery,
  updateAvatarBody,
  updateAvatarForm,
  usageQuery,
  usageResponse,
} from './schemas';

export function registerAvatarRoutes(registry: OpenAPIRegistry): void {
  const route = adminRoutes(registry, 'Avatars');
  const avatarJson = { 'application/json': { schema: avatarResponse } };

  route({
    method: 'post',
    path: '/api/avatars',
    summary: 'Create an avatar',
    description:
      'The reference image is an https URL, a data: URI, or a file uploaded as multipart field `image` (JPEG/PNG/WebP, checked by content), ' +
      "which the broker sends through Runway's ephemeral upload and references by its runway:// URI. The avatar starts PROCESSING. " +
      'documentIds are checked against the knowledge budget first.',
    request: {
      body: {
        required: true,
        content: { 'application/json': { schema: createAvatarBody }, 'multipart/form-data': { schema: createAvatarForm } },
      },
    },
    responses: { 201: { description: 'Created (normally PROCESSING).', content: avatarJson } },
    errors: ['DOCUMENT_NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UPSTREAM_REJECTED', 'KNOWLEDGE_BUDGET_EXCEEDED'],
  });
  route({
    method: 'get',
    path: '/api/avatars',
    summary: 'List avatars (cursor pagination)',
    request: { query: listAvatarsQuery },
    responses: { 200: { description: "A page in Runway's shape.", content: { 'application/json': { schema: avatarPage } } } },
    errors: ['UPSTREAM_REJECTED'],
  });
  route({
    method: 'get',
    path: '/api/avatars/usage',
    summary: 'Conversation usage over a date range (≤ 90 days)',
    request: { query: usageQuery },
    responses: {
      200: { description: 'Totals and a per-day breakdown (UTC days; empty days included).', content: { 'application/json': { schema: usageResponse } } },
    },
    errors: ['UPSTREAM_REJECTED'],
  });
  route({
    method: 'get',
    path: '/api/avatars/{id}',
    summary: 'Get an avatar',
    request: { params: avatarIdParams },
    responses: { 200: { description: 'The avatar.', content: avatarJson } },
    errors: ['AVATAR_NOT_FOUND'],
  });
  route({
    method: 'patch',
    path: '/api/avatars/{id}',
    summary: 'Update an avatar',
    description:
      'Send only what changes. A new reference image (URL, data: URI or multipart `image`) re-processes the avatar and is refused with 409 ' +
      '`AVATAR_PROCESSING` while the avatar is still PROCESSING: wait for READY and retry. documentIds replaces the whole list ' +
      '(checked against the knowledge budget); prefer POST/DELETE /api/avatars/{id}/documents.',
    request: {
      params: avatarIdParams,
      body: {
        required: true,
        content: { 'application/json': { schema: updateAvatarBody }, 'multipart/form-data': { schema: updateAvatarForm } },
      },
    },
    responses: { 200: { description: 'The updated avatar.', content: avatarJson } },
    errors: ['AVATAR_NOT_FOUND', 'DOCUMENT_NOT_FOUND', 'AVATAR_PROCESSING', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UPSTREAM_REJECTED', 'KNOWLEDGE_BUDGET_EXCEEDED'],
  });
  route({
    method: 'delete',
    path: '/api/avatars/{id}',
    summary: 'Delete an avatar',
    request: { params: avatarIdParams },
    responses: { 204: { description: 'Deleted.' } },
    errors: ['AVATAR_NOT_FOUND'],
  });
}
