import { idParams } from '../http/admin';
import type { OpenAPIRegistry } from '../http/openapi';
import { adminRoutes } from '../http/openapi-admin';
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

const BUDGET = `Token counts are estimates (${TOKENIZER} encoding); Runway does not publish its tokenizer.`;

export function registerDocumentRoutes(registry: OpenAPIRegistry): void {
  const route = adminRoutes(registry, 'Documents');
  const avatarIdParams = idParams('Avatar');
  const documentJson = { 'application/json': { schema: documentResponse } };

  route({
    method: 'post',
    path: '/api/documents',
    summary: 'Create a knowledge document',
    description: `From JSON {name, content}, or a UTF-8 .txt/.md file uploaded as multipart field \`file\`. ${BUDGET}`,
    request: {
      body: {
        required: true,
        content: { 'application/json': { schema: createDocumentBody }, 'multipart/form-data': { schema: createDocumentForm } },
      },
    },
    responses: { 201: { description: 'Created, with its tokenCount.', content: documentJson } },
    errors: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UPSTREAM_REJECTED'],
  });
  route({
    method: 'get',
    path: '/api/documents',
    summary: 'List documents (cursor pagination)',
    request: { query: listDocumentsQuery },
    responses: {
      200: { description: "A page in Runway's shape; items carry no content.", content: { 'application/json': { schema: documentPage } } },
    },
    errors: ['UPSTREAM_REJECTED'],
  });
  route({
    method: 'get',
    path: '/api/documents/{id}',
    summary: 'Get a document with its content and tokenCount',
    request: { params: documentIdParams },
    responses: { 200: { description: 'The document.', content: documentJson } },
    errors: ['DOCUMENT_NOT_FOUND'],
  });
  route({
    method: 'patch',
    path: '/api/documents/{id}',
    summary: 'Update a document (name, content or both)',
    description: `New content is checked against the knowledge budget of every avatar that uses the document. ${BUDGET}`,
    request: {
      params: documentIdParams,
      body: {
        required: true,
        content: { 'application/json': { schema: updateDocumentBody }, 'multipart/form-data': { schema: updateDocumentForm } },
      },
    },
    responses: { 200: { description: 'The updated document.', content: documentJson } },
    errors: ['DOCUMENT_NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UPSTREAM_REJECTED', 'KNOWLEDGE_BUDGET_EXCEEDED'],
  });
  route({
    method: 'delete',
    path: '/api/documents/{id}',
    summary: 'Delete a document (also detaches it from every avatar)',
    request: { params: documentIdParams },
    responses: { 204: { description: 'Deleted.' } },
    errors: ['DOCUMENT_NOT_FOUND'],
  });

  const knowledgeJson = { 'application/json': { schema: knowledgeResponse } };
  route({
    method: 'get',
    path: '/api/avatars/{id}/documents',
    summary: "An avatar's documents, their token counts and its remaining budget",
    description: BUDGET,
    request: { params: avatarIdParams },
    responses: { 200: { description: 'The knowledge view.', content: knowledgeJson } },
    errors: ['AVATAR_NOT_FOUND', 'DOCUMENT_NOT_FOUND'],
  });
  route({
    method: 'post',
    path: '/api/avatars/{id}/documents',
    summary: 'Attach documents to an avatar (keeps the ones already attached)',
    description:
      'Read-modify-write of the avatar\'s documentIds done for you: serialised per avatar in the broker, checked against the budget ' +
      `(≤ 50 documents, ≤ KNOWLEDGE_TOKEN_BUDGET tokens) before anything is written, and verified by reading the avatar back. ${BUDGET}`,
    request: { params: avatarIdParams, body: { required: true, content: { 'application/json': { schema: attachBody } } } },
    responses: { 200: { description: 'The knowledge view after the change.', content: knowledgeJson } },
    errors: ['AVATAR_NOT_FOUND', 'DOCUMENT_NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'UPSTREAM_REJECTED', 'KNOWLEDGE_BUDGET_EXCEEDED'],
  });
  route({
    method: 'delete',
    path: '/api/avatars/{id}/documents/{documentId}',
    summary: 'Detach one document from an avatar (the document itself stays)',
    request: { params: attachmentParams },
    responses: { 200: { description: 'The knowledge view after the change.', content: knowledgeJson } },
    errors: ['AVATAR_NOT_FOUND', 'DOCUMENT_NOT_FOUND', 'CONFLICT', 'UPSTREAM_REJECTED'],
  });
}
