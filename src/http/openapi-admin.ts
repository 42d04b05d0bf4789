import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { ErrorCode } from '../errors';
import { errorResponses, type OpenAPIRegistry } from './openapi';

// How the management routes appear in the OpenAPI document: one security scheme, and the errors
// every admin route can answer, declared once instead of in each feature.

const ADMIN_SCHEME = 'adminKey';

/** Errors every admin route can answer. */
export const ADMIN_ERRORS = ['UNAUTHORIZED', 'FORBIDDEN'] as const satisfies readonly ErrorCode[];

/** Errors of any route that calls Runway. */
export const UPSTREAM_ERRORS = ['UPSTREAM_RATE_LIMITED', 'UPSTREAM_ERROR', 'UPSTREAM_INVALID_RESPONSE', 'UPSTREAM_UNAVAILABLE'] as const satisfies readonly ErrorCode[];

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

export type AdminRoute = Omit<RouteConfig, 'security' | 'tags'> & {
  /** The route's own error codes; INVALID_REQUEST and the admin errors come before, the upstream errors after. */
  errors?: ErrorCode[];
  /** false for a route that never calls Runway (no upstream errors). */
  upstream?: boolean;
  /** false for a route without input to validate (no INVALID_REQUEST). */
  validated?: boolean;
};

/** A registrar for one feature's admin routes: admin security, the feature's tag and the shared errors. */
export function adminRoutes(registry: OpenAPIRegistry, tag: string): (route: AdminRoute) => void {
  const security = adminSecurity(registry);
  return ({ method, path, errors = [], upstream = true, validated = true, responses, ...route }) => {
    const codes: ErrorCode[] = [...(validated ? (['INVALID_REQUEST'] as const) : []), ...ADMIN_ERRORS, ...errors, ...(upstream ? UPSTREAM_ERRORS : [])];
    // Keys in this order keep the generated document's layout (method, path, tags, security, summary, …).
    registry.registerPath({ method, path, tags: [tag], security, ...route, responses: { ...responses, ...errorResponses(...codes) } });
  };
}
