import { errorResponses, type OpenAPIRegistry } from '../http/openapi';
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

const ADMIN_SCHEME = 'adminKey';

/** Declares the admin API key scheme once and returns the `security` entry for admin routes. */
export function adminSecurity(registry: OpenAPIRegistry): Record<string, string[]>[] {
  const known = registry.definitions.some((d) => d.type === 'component' && d.componentType === 'securitySchemes' && d.name === ADMIN_SCHEME);
  if (!known) {
    registry.registerComponent('securitySchemes', ADMIN_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      description: 'An API key with the `admin` scope (from ADMIN_API_KEYS, or a CLIENTS_FILE / CLIENTS_JSON entry granted it), as `Authorization: Bearer <key>` (or `X-API-Key: <key>`).',
    });
  }
  return [{ [ADMIN_SCHEME]: [] }];
}

/** Errors every admin route can answer. */
export const ADMIN_ERRORS = ['UNAUTHORIZED', 'FORBIDDEN'] as const;
const UPSTREAM_ERRORS = ['UPSTREAM_RATE_LIMITED', 'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE'] as const;

export function registerAvatarRoutes(registry: OpenAPIRegistry): void {
  const security = adminSecurity(registry);
  const tags = ['Avatars'];
  const avatarJson = { 'application/json': { schema: avatarResponse } };

  registry.registerPath({
    method: 'post',
    path: '/api/avatars',
    tags,
    security,
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
    responses: {
      201: { description: 'Created (normally PROCESSING).', content: avatarJson },
      ...errorResponses(
        'INVALID_REQUEST',
        ...ADMIN_ERRORS,
        'DOCUMENT_NOT_FOUND',
        'PAYLOAD_TOO_LARGE',
        'UNSUPPORTED_MEDIA_TYPE',
        'UPSTREAM_REJECTED',
        'KNOWLEDGE_BUDGET_EXCEEDED',
        ...UPSTREAM_ERRORS,
      ),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/avatars',
    tags,
    security,
    summary: 'List avatars (cursor pagination)',
    request: { query: listAvatarsQuery },
    responses: {
      200: { description: "A page in Runway's shape.", content: { 'application/json': { schema: avatarPage } } },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/avatars/usage',
    tags,
    security,
    summary: 'Conversation usage over a date range (≤ 90 days)',
    request: { query: usageQuery },
    responses: {
      200: { description: 'Totals and a per-day breakdown (UTC days; empty days included).', content: { 'application/json': { schema: usageResponse } } },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/avatars/{id}',
    tags,
    security,
    summary: 'Get an avatar',
    request: { params: avatarIdParams },
    responses: {
      200: { description: 'The avatar.', content: avatarJson },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'AVATAR_NOT_FOUND', 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS),
    },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/avatars/{id}',
    tags,
    security,
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
    responses: {
      200: { description: 'The updated avatar.', content: avatarJson },
      ...errorResponses(
        'INVALID_REQUEST',
        ...ADMIN_ERRORS,
        'AVATAR_NOT_FOUND',
        'DOCUMENT_NOT_FOUND',
        'AVATAR_PROCESSING',
        'PAYLOAD_TOO_LARGE',
        'UNSUPPORTED_MEDIA_TYPE',
        'UPSTREAM_REJECTED',
        'KNOWLEDGE_BUDGET_EXCEEDED',
        ...UPSTREAM_ERRORS,
      ),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/avatars/{id}',
    tags,
    security,
    summary: 'Delete an avatar',
    request: { params: avatarIdParams },
    responses: { 204: { description: 'Deleted.' }, ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'AVATAR_NOT_FOUND', 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS) },
  });
}
