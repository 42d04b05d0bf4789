import { ADMIN_ERRORS, adminSecurity } from '../http/openapi-admin';
import { errorResponses, type OpenAPIRegistry } from '../http/openapi';
import { previewBody, previewResponse, templateBody, templateIdParams, templateList, templateResponse } from './schemas';

export function registerTemplateRoutes(registry: OpenAPIRegistry): void {
  const security = adminSecurity(registry);
  const tags = ['Templates'];
  const entryJson = { 'application/json': { schema: templateResponse } };
  const templateJson = { content: { 'application/json': { schema: templateBody } } };

  registry.registerPath({
    method: 'get',
    path: '/api/templates',
    tags,
    security,
    summary: 'List session templates (from TEMPLATES_FILE and from this API)',
    responses: { 200: { description: 'Every template, by id.', content: { 'application/json': { schema: templateList } } }, ...errorResponses(...ADMIN_ERRORS, 'STORE_UNAVAILABLE') },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/templates',
    tags,
    security,
    summary: 'Define a session template',
    description: 'Its id may not be a preset avatar id or a UUID; every {{placeholder}} must be a declared variable. Shared with every replica through the store.',
    request: { body: templateJson },
    responses: {
      201: { description: 'Defined.', content: entryJson },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'TEMPLATE_CONFLICT', 'UNSUPPORTED_MEDIA_TYPE', 'STORE_UNAVAILABLE'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/templates/{id}',
    tags,
    security,
    summary: 'Get a session template',
    request: { params: templateIdParams },
    responses: { 200: { description: 'The template.', content: entryJson }, ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'TEMPLATE_NOT_FOUND', 'STORE_UNAVAILABLE') },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/templates/{id}',
    tags,
    security,
    summary: 'Replace a session template (not those of TEMPLATES_FILE)',
    request: { params: templateIdParams, body: templateJson },
    responses: {
      200: { description: 'Replaced.', content: entryJson },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'TEMPLATE_NOT_FOUND', 'TEMPLATE_CONFLICT', 'UNSUPPORTED_MEDIA_TYPE', 'STORE_UNAVAILABLE'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/templates/{id}',
    tags,
    security,
    summary: 'Delete a session template (not those of TEMPLATES_FILE)',
    request: { params: templateIdParams },
    responses: { 204: { description: 'Deleted.' }, ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'TEMPLATE_NOT_FOUND', 'TEMPLATE_CONFLICT', 'STORE_UNAVAILABLE') },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/templates/{id}/preview',
    tags,
    security,
    summary: 'Render a template with sample variables, without starting a session',
    description: "Reports the rendered lengths against Runway's limits and the exact create parameters a start with these variables would send.",
    request: { params: templateIdParams, body: { content: { 'application/json': { schema: previewBody } } } },
    responses: {
      200: { description: 'The rendering.', content: { 'application/json': { schema: previewResponse } } },
      ...errorResponses('INVALID_REQUEST', ...ADMIN_ERRORS, 'TEMPLATE_NOT_FOUND', 'UNSUPPORTED_MEDIA_TYPE', 'STORE_UNAVAILABLE'),
    },
  });
}
