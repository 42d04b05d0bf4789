import { OpenApiGeneratorV31, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { stringify } from 'yaml';
import { registerAvatarRoutes } from '../avatars/openapi';
import { registerConversationRoutes } from '../conversations/openapi';
import { registerDocumentRoutes } from '../documents/openapi';
import { registerPresetRoutes } from '../presets/openapi';
import { registerSessionRoutes } from '../sessions/openapi';

// Each feature registers its own routes from the same zod schemas that validate its requests; this
// module only gathers them. openapi/openapi.yaml is this document, committed; a test keeps them equal.

type Registrar = (registry: OpenAPIRegistry) => void;

const FEATURES: Registrar[] = [registerSessionRoutes, registerAvatarRoutes, registerDocumentRoutes, registerPresetRoutes, registerConversationRoutes];

export function buildOpenApiDocument(features: Registrar[] = FEATURES) {
  const registry = new OpenAPIRegistry();
  for (const register of features) register(registry);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
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
    ],
  });
}

export function openApiYaml(): string {
  return stringify(buildOpenApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false });
}
