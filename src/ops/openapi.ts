import { OpenApiGeneratorV31, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { stringify } from 'yaml';
import { adminSecurity, registerAvatarRoutes } from '../avatars/openapi';
import { registerConsoleRoutes } from '../console/openapi';
import { registerConversationRoutes } from '../conversations/openapi';
import { registerDocumentRoutes } from '../documents/openapi';
import { registerPresetRoutes } from '../presets/openapi';
import { registerSessionRoutes } from '../sessions/openapi';
import { registerOpsRoutes } from './openapi-ops';

// Each feature registers its own routes from the same zod schemas that validate its requests; this
// module only gathers them. openapi/openapi.yaml is this document, committed; a test keeps them equal.

type Registrar = (registry: OpenAPIRegistry) => void;

const FEATURES: Registrar[] = [registerSessionRoutes, registerAvatarRoutes, registerDocumentRoutes, registerPresetRoutes, registerConversationRoutes, registerConsoleRoutes, registerOpsRoutes];

/**
 * `operationId` for operations whose feature set none: method + path, `/api` dropped, `{param}` as
 * `ByParam` (`GET /api/avatars/{id}` → `getAvatarsById`). Stable as long as the route is; a feature
 * may set its own id instead. Generated clients name their methods after these.
 */
export function deriveOperationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((segment) => segment && segment !== 'api')
    .flatMap((segment) => {
      const param = /^\{(.+)\}$/.exec(segment)?.[1];
      return param ? ['by', ...param.split(/[^A-Za-z0-9]+/)] : segment.split(/[^A-Za-z0-9]+/);
    })
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function withOperationIds<D extends { paths?: Record<string, Partial<Record<(typeof METHODS)[number], { operationId?: string }>>> }>(document: D): D {
  const seen = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operation.operationId ??= deriveOperationId(method, path);
      const where = `${method.toUpperCase()} ${path}`;
      const clash = seen.get(operation.operationId);
      if (clash) throw new Error(`OpenAPI operationId "${operation.operationId}" is used by both ${clash} and ${where}`);
      seen.set(operation.operationId, where);
    }
  }
  return document;
}

/**
 * How callers authenticate (src/http/auth.ts), as the document's default `security`: no credentials
 * (an anonymous browser, when ANONYMOUS_SESSIONS allows it), a client API key, or a JWT. All are
 * `Authorization: Bearer`; the broker tells them apart. A credential that is present but invalid is
 * refused with 401. Admin routes override this with `adminKey` (src/avatars/openapi.ts); health
 * probes declare none.
 */
function registerCallerSchemes(registry: OpenAPIRegistry): Record<string, string[]>[] {
  adminSecurity(registry); // first, so the schemes keep their order whatever FEATURES holds
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description:
      'A client API key (from CLIENTS_JSON, CLIENTS_FILE or ADMIN_API_KEYS) as `Authorization: Bearer <key>` (or `X-API-Key: <key>`). ' +
      'The client\'s scopes, rate and concurrency limits, avatar allowlist and override grants apply.',
  });
  registry.registerComponent('securitySchemes', 'jwt', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A JWT signed by your identity provider, when the broker is configured with JWT_SECRET or JWT_JWKS_URL ' +
      '(issuer and audience checked). Its `scope`/`scp` claim can narrow JWT_DEFAULT_SCOPES; a JWT never grants admin.',
  });
  return [{}, { apiKey: [] }, { jwt: [] }];
}

export function buildOpenApiDocument(features: Registrar[] = FEATURES) {
  const registry = new OpenAPIRegistry();
  const callerSecurity = registerCallerSchemes(registry);
  for (const register of features) register(registry);
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'characters-broker',
      version: '0.1.0',
      description:
        'Session broker for Runway Characters: starts real-time avatar sessions for browsers without exposing the Runway API key. ' +
        'Errors are JSON `{error, code, requestId}` (+ `issues[]` for validation), with `Retry-After` on 429 and 503.',
      license: { name: 'UNLICENSED' },
    },
    servers: [{ url: '/', description: 'This broker' }],
    tags: [
      { name: 'Sessions', description: 'Start, inspect and cancel avatar sessions.' },
      { name: 'Avatars', description: 'Manage custom avatars (admin key).' },
      { name: 'Documents', description: 'Knowledge documents and attaching them to avatars within the token budget (admin key).' },
      { name: 'Presets', description: 'Preset avatars and voices (admin key).' },
      { name: 'Conversations', description: 'Conversation records, transcripts and recordings (admin key, or your own session).' },
      { name: 'Operations', description: 'Health probes for orchestrators and load balancers (no credentials).' },
    ],
    security: callerSecurity,
  });
  return withOperationIds(document);
}

export function openApiYaml(document: ReturnType<typeof buildOpenApiDocument> = buildOpenApiDocument()): string {
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}
