// /v1/avatars and /v1/avatar_usage.
import { Router } from 'express';
import { z } from 'zod';
import { operation } from '../auth';
import type { EmulatorCore } from '../core';
import { httpError, parseInput } from '../errors';
import { pageQuery, paginate } from '../pagination';
import { PRESET_VOICES } from '../presets';
import type { AvatarInput, AvatarRecord } from '../store/avatars';
import { estimateTokens } from '../store/documents';
import { atLeastOne, dateTime, pathId, uuid } from './common';

const referenceImage = z.union([
  z.string().min(13).max(2048).regex(/^https:\/\//, 'Must be an https:// URL'),
  z.string().min(13).max(5000).regex(/^runway:\/\//, 'Must be a runway:// upload URI'),
  z.string().min(13).max(5_242_880).regex(/^data:image\//, 'Must be a data:image/ URI'),
]);
const voice = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('runway-live-preset'), presetId: z.enum(PRESET_VOICES) }),
  z.strictObject({ type: z.literal('custom'), id: uuid() }),
]);
const fields = {
  name: z.string().min(1).max(50),
  referenceImage,
  personality: z.string().min(1).max(10000),
  voice,
  documentIds: z.array(uuid()).max(50),
  imageProcessing: z.enum(['optimize', 'none']),
};
const createBody = z.strictObject({
  ...fields,
  startScript: z.string().max(2000).optional(),
  documentIds: fields.documentIds.optional(),
  imageProcessing: fields.imageProcessing.optional(),
});
const updateBody = z
  .strictObject({
    name: fields.name.optional(),
    referenceImage: fields.referenceImage.optional(),
    personality: fields.personality.optional(),
    startScript: z.string().max(2000).nullable().optional(),
    voice: fields.voice.optional(),
    documentIds: fields.documentIds.optional(),
    imageProcessing: fields.imageProcessing.optional(),
  })
  .refine(atLeastOne, { message: 'At least one field must be provided' });

const DAY = 24 * 60 * 60 * 1000;
const usageQuery = z
  .object({ startDate: dateTime(), endDate: dateTime() })
  .refine((q) => q.endDate > q.startDate, { message: 'endDate must be after startDate', path: ['endDate'] })
  .refine((q) => q.endDate - q.startDate <= 90 * DAY, { message: 'The date range cannot exceed 90 days', path: ['endDate'] });

export function avatarRoutes(core: EmulatorCore): Router {
  const r = Router();
  const find = (id: string): AvatarRecord => {
    const a = core.avatars.get(id);
    if (!a) throw httpError(404, 'Avatar not found');
    return a;
  };

  /** Cross-resource checks zod cannot do: the voice and documents must exist; optional knowledge limit. */
  const checkLinks = (patch: Partial<AvatarInput>) => {
    const ids = patch.documentIds?.map((d) => d.toLowerCase());
    if (patch.voice?.type === 'custom' && !core.voices.get(patch.voice.id.toLowerCase())) {
      throw httpError(400, `Voice ${patch.voice.id} not found`);
    }
    if (!ids) return;
    for (const id of ids) if (!core.documents.get(id)) throw httpError(400, `Document ${id} not found`);
    const limit = core.settings.knowledgeTokenLimit;
    if (limit !== null) {
      const tokens = [...new Set(ids)].reduce((n, id) => n + estimateTokens(core.documents.get(id)?.content ?? ''), 0);
      if (tokens > limit) throw httpError(400, `Attached documents exceed the knowledge limit of ${limit} tokens (about ${tokens})`);
    }
  };
  const normalise = <T extends Partial<AvatarInput>>(input: T): T => ({
    ...input,
    ...(input.documentIds ? { documentIds: input.documentIds.map((d) => d.toLowerCase()) } : {}),
    ...(input.voice?.type === 'custom' ? { voice: { type: 'custom', id: input.voice.id.toLowerCase() } } : {}),
  });

  r.post('/v1/avatars', operation(core, 'avatars.create', 'apiKey'), (req, res) => {
    const body = normalise(parseInput(createBody, req.body, 'body'));
    checkLinks(body);
    res.status(200).json(core.avatars.view(core.avatars.create(body)));
  });

  r.get('/v1/avatars', operation(core, 'avatars.list', 'apiKey'), (req, res) => {
    const q = parseInput(pageQuery(50), req.query, 'query');
    const page = paginate(
      core.avatars.all(),
      { key: (a) => a.createdAt, seq: (a) => a.seq, order: 'desc', limit: q.limit, cursor: q.cursor },
      (a) => core.avatars.view(a),
    );
    res.status(200).json(page);
  });

  r.get('/v1/avatars/:id', operation(core, 'avatars.retrieve', 'apiKey'), (req, res) => {
    res.status(200).json(core.avatars.view(find(pathId(core, req, 'Avatar'))));
  });

  r.patch('/v1/avatars/:id', operation(core, 'avatars.update', 'apiKey'), (req, res) => {
    const avatar = find(pathId(core, req, 'Avatar'));
    const body = normalise(parseInput(updateBody, req.body, 'body'));
    if (body.referenceImage !== undefined && avatar.status === 'PROCESSING') {
      throw httpError(409, 'The reference image cannot be updated while the avatar is processing.');
    }
    checkLinks(body);
    core.avatars.update(avatar, body);
    res.status(200).json(core.avatars.view(avatar));
  });

  r.delete('/v1/avatars/:id', operation(core, 'avatars.delete', 'apiKey'), (req, res) => {
    const id = pathId(core, req, 'Avatar');
    if (!core.avatars.delete(id)) throw httpError(404, 'Avatar not found');
    res.status(204).end();
  });

  r.get('/v1/avatar_usage', operation(core, 'avatars.getUsage', 'apiKey'), (req, res) => {
    const q = parseInput(usageQuery, req.query, 'query');
    const days = new Map<string, { date: string; seconds: number; sessions: number }>();
    for (let t = Math.floor(q.startDate / DAY) * DAY; t < q.endDate; t += DAY) {
      const date = new Date(t).toISOString().slice(0, 10);
      days.set(date, { date, seconds: 0, sessions: 0 });
    }
    let totalSeconds = 0;
    let totalSessions = 0;
    for (const s of core.sessions.all()) {
      if (s.createdAt < q.startDate || s.createdAt >= q.endDate) continue;
      const seconds = core.sessions.elapsedSeconds(s);
      totalSeconds += seconds;
      totalSessions++;
      const day = days.get(new Date(s.createdAt).toISOString().slice(0, 10));
      if (day) {
        day.seconds += seconds;
        day.sessions++;
      }
    }
    res.status(200).json({
      totalSeconds,
      totalSessions,
      avgDurationSeconds: totalSessions === 0 ? 0 : Math.round(totalSeconds / totalSessions),
      byDay: [...days.values()],
    });
  });

  return r;
}
