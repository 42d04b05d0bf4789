import { z } from 'zod';
import { PRESET_AVATAR_IDS } from '../runway/presets';

// These schemas validate requests and generate the OpenAPI document: one source of truth.

// Conversational actions, with Runway's limits (names like identifiers, at most 20 of everything).
const identifier = z.string().min(1).max(64).regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'letters, digits and _, not starting with a digit');
const description = z.string().min(1).max(1024);
const parameterBase = { name: identifier, description, required: z.boolean().optional() };
const toolParameter = z.discriminatedUnion('type', [
  z.strictObject({ ...parameterBase, type: z.literal('string'), enum: z.array(z.string().max(64)).max(20).optional() }),
  z.strictObject({ ...parameterBase, type: z.literal('integer') }),
  z.strictObject({ ...parameterBase, type: z.literal('number') }),
  z.strictObject({ ...parameterBase, type: z.literal('boolean') }),
  z.strictObject({ ...parameterBase, type: z.literal('array'), items: z.strictObject({ type: z.enum(['string', 'integer', 'number', 'boolean']) }) }),
  z.strictObject({ ...parameterBase, type: z.literal('object'), properties: z.array(z.unknown()).max(20) }),
]);
const toolBase = { name: identifier, description, parameters: z.array(toolParameter).max(20).optional() };
export const sessionTool = z
  .discriminatedUnion('type', [
    z.strictObject({ ...toolBase, type: z.literal('client_event') }),
    z.strictObject({ ...toolBase, type: z.literal('backend_rpc'), timeoutSeconds: z.number().min(1).max(8).optional() }),
  ])
  .meta({ id: 'SessionTool', description: 'A conversational action: client_event goes to the browser, backend_rpc to a backend participant.' });

export const createSessionBody = z
  .object({
    avatarId: z
      .string()
      .trim()
      .min(1)
      .max(128)
      .meta({
        description: `A Runway preset avatar id (${PRESET_AVATAR_IDS.join(', ')}) or a custom avatar UUID.`,
        example: 'music-superstar',
      }),
    avatarType: z
      .enum(['runway-preset', 'custom'])
      .optional()
      .meta({ description: 'Optional: say explicitly whether avatarId is a preset or a custom avatar.' }),
    maxDuration: z
      .number()
      .int()
      .min(10)
      .max(1800)
      .optional()
      .meta({ description: 'Requested session length in seconds, for clients granted the "maxDuration" override; clamped to the client\'s cap (default 300).' }),
    personality: z
      .string()
      .min(1)
      .max(10_000)
      .optional()
      .meta({ description: 'Per-session personality. Custom avatars only, for clients granted the "personality" override.' }),
    startScript: z
      .string()
      .min(1)
      .max(2_000)
      .optional()
      .meta({ description: 'Per-session opening line. Custom avatars only, for clients granted the "startScript" override.' }),
    tools: z
      .array(sessionTool)
      .max(20)
      .optional()
      .meta({ description: 'Per-session tools; only for clients granted the "tools" override.' }),
  })
  .meta({ id: 'CreateSessionRequest', description: 'What <AvatarCall connectUrl> sends is just {avatarId}; the rest is optional.' });

export type CreateSessionBody = z.infer<typeof createSessionBody>;

export const createSessionQuery = z
  .object({
    shape: z
      .enum(['credentials', 'sessionKey'])
      .optional()
      .meta({ description: 'credentials (default): consumed LiveKit credentials. sessionKey: unconsumed key for @runwayml/avatars (opt-in).' }),
  })
  .meta({ description: 'Unknown query parameters (such as an ?attempt= nonce) are ignored.' });

export const credentialsResponse = z
  .object({
    sessionId: z.uuid(),
    serverUrl: z.string().meta({ example: 'wss://example.livekit.cloud' }),
    token: z.string().meta({ description: 'One-time LiveKit access token. Never stored or shown again by the broker.' }),
    roomName: z.string(),
    expiresAt: z.iso.datetime().meta({ description: 'When the call ends at the latest (delivery time + maxDuration).' }),
    maxDuration: z.number().int().meta({ description: 'Applied session length in seconds, after clamping.' }),
  })
  .meta({ id: 'SessionCredentials' });

export const sessionKeyResponse = z
  .object({
    sessionId: z.uuid(),
    sessionKey: z.string().meta({ description: 'One-time key; the browser consumes it with Runway directly.' }),
    expiresAt: z.iso.datetime().meta({ description: 'When the sessionKey stops working if not consumed.' }),
  })
  .meta({ id: 'SessionKey' });

export const sessionIdParams = z.object({ id: z.uuid({ message: 'Session ids are UUIDs.' }) });

export const sessionStatusResponse = z
  .object({
    sessionId: z.uuid(),
    status: z.enum(['starting', 'queued', 'provisioning', 'delivered', 'ended', 'failed', 'timed_out', 'cancelled']),
    upstreamStatus: z.enum(['NOT_READY', 'READY', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']).nullable().meta({
      description: 'Runway\'s own status when it could be fetched; null otherwise.',
    }),
    avatar: z.object({ type: z.enum(['runway-preset', 'custom']), id: z.string() }),
    shape: z.enum(['credentials', 'sessionKey']),
    maxDuration: z.number().int(),
    requestedAt: z.iso.datetime().nullable().meta({ description: 'When the broker admitted the request (the timeline starts here).' }),
    createdAt: z.iso.datetime().meta({ description: 'When Runway created the session.' }),
    queuedAt: z.iso.datetime().nullable().meta({ description: 'When the broker first saw Runway queue the session (null if it never did).' }),
    provisioningAt: z.iso.datetime().nullable().meta({ description: 'When the broker first saw Runway provisioning the avatar.' }),
    readyAt: z.iso.datetime().nullable(),
    deliveredAt: z.iso.datetime().nullable().meta({ description: 'When the credentials (or key) went to the client.' }),
    endedAt: z.iso.datetime().nullable(),
    expiresAt: z.iso.datetime().nullable(),
    failureCode: z.string().nullable(),
    endReason: z.string().nullable().meta({ description: 'Why the session ended (cancel reason, error code or upstream status), when known.' }),
    pooled: z.boolean().optional().meta({ description: 'Present when a warm pool exists: true if the session was taken from it.' }),
  })
  .meta({ id: 'SessionStatus' });
