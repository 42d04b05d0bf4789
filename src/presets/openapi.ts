import { adminRoutes } from '../http/openapi-admin';
import type { OpenAPIRegistry } from '../http/openapi';
import { presetsResponse } from './schemas';

export function registerPresetRoutes(registry: OpenAPIRegistry): void {
  adminRoutes(registry, 'Presets')({
    method: 'get',
    path: '/api/presets',
    summary: 'The 9 preset avatars and 30 preset voices',
    responses: { 200: { description: 'Preset ids with display names.', content: { 'application/json': { schema: presetsResponse } } } },
    validated: false, // no input
    upstream: false, // a list compiled into the broker
  });
}
