import { ADMIN_ERRORS, adminSecurity } from '../avatars/openapi';
import { avatarIdParams } from '../avatars/schemas';
import { errorResponses, type OpenAPIRegistry } from '../http/openapi';
import {
  attachBody,
  attachmentParams,
  createDocumentBody,
  createDocumentForm,
  documentIdParams,
  documentPage,
  documentResponse,
  knowledgeResponse,
  listDocumentsQuery,
  updateDocumentBody,
  updateDocumentForm,
} from './schemas';
import { TOKENIZER } from './tokens';

const UPSTREAM_ERRORS = ['UPSTREAM_RATE_LIMITED', 'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE'] as const;
const BUDGET = `Token counts are estimates (${TOKENIZER} encoding); Runway does not publish its tokenizer.`;

export function registerDocumentRoutes(registry: OpenAPIRegistry): void {
  const security = adminSecurity(registry);
  const tags = ['Documents'];
  const documentJson = { 'application/json': { schema: documentResponse } };

  registry.registerPath({
    method: 'post',
    path: '/api/documents',
    tags,
    security,
    summary: 'Create a knowledge document',
    description: `From JSON {name, content}, or a UTF-8 .txt/.md file uploaded as multipart field \`file\`. ${BUDGET}`,
    request: {
      body: {
        required: true,
        content: { 'application/json': { schema: createDocumentBody }, 'multipart/form-data': { schema: createDocumentForm } },
      },
    },
    responses: {
      201: { description: 'Created, with its tokenCount.', content: documentJson },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/documents',
    tags,
    security,
    summary: 'List documents (cursor pagination)',
    request: { query: listDocumentsQuery },
    responses: {
      200: { description: "A page in Runway's shape; items carry no content.", content: { 'application/json': { schema: documentPage } } },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/documents/{id}',
    tags,
    security,
    summary: 'Get a document with its content and tokenCount',
    request: { params: documentIdParams },
    responses: {
      200: { description: 'The document.', content: documentJson },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'DOCUMENT_NOT_FOUND', 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS),
    },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/documents/{id}',
    tags,
    security,
    summary: 'Update a document (name, content or both)',
    description: `New content is checked against the knowledge budget of every avatar that uses the document. ${BUDGET}`,
    request: {
      params: documentIdParams,
      body: {
        required: true,
        content: { 'application/json': { schema: updateDocumentBody }, 'multipart/form-data': { schema: updateDocumentForm } },
      },
    },
    responses: {
      200: { description: 'The updated document.', content: documentJson },
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
    method: 'delete',
    path: '/api/documents/{id}',
    tags,
    security,
    summary: 'Delete a document (also detaches it from every avatar)',
    request: { params: documentIdParams },
    responses: { 204: { description: 'Deleted.' }, ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'DOCUMENT_NOT_FOUND', 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS) },
  });

  const knowledgeJson = { 'application/json': { schema: knowledgeResponse } };
  registry.registerPath({
    method: 'get',
    path: '/api/avatars/{id}/documents',
    tags,
    security,
    summary: "An avatar's documents, their token counts and its remaining budget",
    description: BUDGET,
    request: { params: avatarIdParams },
    responses: {
      200: { description: 'The knowledge view.', content: knowledgeJson },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'AVATAR_NOT_FOUND', 'DOCUMENT_NOT_FOUND', 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/avatars/{id}/documents',
    tags,
    security,
    summary: 'Attach documents to an avatar (keeps the ones already attached)',
    description:
      'Read-modify-write of the avatar\'s documentIds done for you: serialised per avatar in the broker, checked against the budget ' +
      `(≤ 50 documents, ≤ KNOWLEDGE_TOKEN_BUDGET tokens) before anything is written, and verified by reading the avatar back. ${BUDGET}`,
    request: { params: avatarIdParams, body: { required: true, content: { 'application/json': { schema: attachBody } } } },
    responses: {
      200: { description: 'The knowledge view after the change.', content: knowledgeJson },
      ...errorResponses(
        'INVALID_REQUEST',
        ...ADMIN_ERRORS,
        'AVATAR_NOT_FOUND',
        'DOCUMENT_NOT_FOUND',
        'CONFLICT',
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
    path: '/api/avatars/{id}/documents/{documentId}',
    tags,
    security,
    summary: 'Detach one document from an avatar (the document itself stays)',
    request: { params: attachmentParams },
    responses: {
      200: { description: 'The knowledge view after the change.', content: knowledgeJson },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'AVATAR_NOT_FOUND', 'DOCUMENT_NOT_FOUND', 'CONFLICT', 'UPSTREAM_REJECTED', ...UPSTREAM_ERRORS),
    },
  });
}
