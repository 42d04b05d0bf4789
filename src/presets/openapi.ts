import { ADMIN_ERRORS, adminSecurity } from '../avatars/openapi';
import { errorResponses, type OpenAPIRegistry } from '../http/openapi';
import { presetsResponse } from './schemas';

export function registerPresetRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/presets',
    tags: ['Presets'],
    summary: 'The 9 preset avatars and 30 preset voices',
    security: adminSecurity(registry),
    responses: {
      200: { description: 'Preset ids with display names.', content: { 'application/json': { schema: presetsResponse } } },
      ...errorResponses(...ADMIN_ERRORS),
    },
  });
}
