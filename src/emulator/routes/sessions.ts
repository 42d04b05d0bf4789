// /v1/realtime_sessions: create, retrieve, delete (cancel), consume, connect_backend.
import { Router } from 'express';
import { z } from 'zod';
import { bearer, operation } from '../auth';
import type { EmulatorCore } from '../core';
import { httpError, parseInput } from '../errors';
import { LIVEKIT_PATH } from '../livekit';
import { PRESET_AVATARS } from '../presets';
import { pathId, uuid, wsOrigin } from './common';

const identifier = z.string().min(1).max(64).regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'Must start with a letter or underscore, followed by letters, digits or underscores');
const description = z.string().min(1).max(1024);
const param = { name: identifier, description, required: z.boolean().default(true) };
const parameter = z.discriminatedUnion('type', [
  z.strictObject({ ...param, type: z.literal('string'), enum: z.array(z.string().max(64)).max(20).optional() }),
  z.strictObject({ ...param, type: z.literal('integer') }),
  z.strictObject({ ...param, type: z.literal('number') }),
  z.strictObject({ ...param, type: z.literal('boolean') }),
  z.strictObject({ ...param, type: z.literal('array'), items: z.strictObject({ type: z.enum(['string', 'integer', 'number', 'boolean']) }) }),
  z.strictObject({ ...param, type: z.literal('object'), properties: z.array(z.unknown()).max(20) }),
]);
const tool = { name: identifier, description, parameters: z.array(parameter).max(20).default([]) };
const secureUrl = z.url().refine((u) => /^(wss|https):\/\//i.test(u), 'Must be a wss:// or https:// URL');
const livekitFields = {
  url: secureUrl,
  token: z.string().min(1).max(2048),
  roomName: z.string().min(1).max(256),
  agentIdentity: z.string().min(1).max(256).optional(),
};

const createBody = z.strictObject({
  model: z.literal('gwm1_avatars'),
  avatar: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('runway-preset'), presetId: z.enum(PRESET_AVATARS) }),
    z.strictObject({ type: z.literal('custom'), avatarId: uuid() }),
  ]),
  maxDuration: z.number().int().min(10).max(1800).optional(),
  personality: z.string().min(1).max(10000).optional(),
  startScript: z.string().min(1).max(2000).optional(),
  tools: z
    .array(
      z.discriminatedUnion('type', [
        z.strictObject({ ...tool, type: z.literal('client_event') }),
        z.strictObject({ ...tool, type: z.literal('backend_rpc'), timeoutSeconds: z.number().min(1).max(8).default(4) }),
      ]),
    )
    .max(20)
    .default([]),
  integration: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('elevenlabs'), signedUrl: secureUrl }),
      z.strictObject({ type: z.literal('livekit'), ...livekitFields }),
    ])
    .optional(),
  /** Deprecated but still in SDK 4.20.1's types. */
  livekit: z.strictObject(livekitFields).optional(),
});

export function sessionRoutes(core: EmulatorCore): Router {
  const r = Router();
  const find = (id: string) => {
    const s = core.sessions.get(id);
    if (!s) throw httpError(404, 'Realtime session not found');
    return s;
  };
  const livekitUrl = (req: Parameters<typeof wsOrigin>[0]) => core.settings.publicUrl ?? `${wsOrigin(req)}${LIVEKIT_PATH}`;

  r.post('/v1/realtime_sessions', operation(core, 'realtimeSessions.create', 'apiKey'), (req, res) => {
    const body = parseInput(createBody, req.body, 'body');
    const integration = body.integration ?? (body.livekit ? { type: 'livekit' } : undefined);
    const s = core.sessions.create({ ...body, integration });
    res.status(200).json({ id: s.id });
  });

  r.get('/v1/realtime_sessions/:id', operation(core, 'realtimeSessions.retrieve', 'apiKey'), (req, res) => {
    const s = find(pathId(core, req, 'Realtime session'));
    core.sessions.poll(s);
    res.status(200).json(core.sessions.view(s));
  });

  r.delete('/v1/realtime_sessions/:id', operation(core, 'realtimeSessions.delete', 'apiKey'), (req, res) => {
    const s = find(pathId(core, req, 'Realtime session'));
    core.sessions.cancel(s);
    res.status(204).end();
  });

  r.post('/v1/realtime_sessions/:id/consume', operation(core, 'realtimeSessions.consume', 'sessionKey'), (req, res) => {
    const s = find(pathId(core, req, 'Realtime session'));
    core.sessions.consume(s, bearer(req));
    res.status(200).json(core.livekit.credentials(s, livekitUrl(req), 'user'));
  });

  r.post('/v1/realtime_sessions/:id/connect_backend', operation(core, 'realtimeSessions.connectBackend', 'apiKey'), (req, res) => {
    const s = find(pathId(core, req, 'Realtime session'));
    core.sessions.connectBackend(s);
    res.status(200).json(core.livekit.credentials(s, livekitUrl(req), 'backend'));
  });

  return r;
}
