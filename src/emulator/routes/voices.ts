// /v1/voices: custom voices (PROCESSING → READY) and preview.
import { Router } from 'express';
import { z } from 'zod';
import { operation } from '../auth';
import type { EmulatorCore } from '../core';
import { httpError, parseInput } from '../errors';
import { pageQuery, paginate } from '../pagination';
import { FAKE_ASSETS } from '../store/env';
import { atLeastOne, pathId } from './common';

const model = z.enum(['eleven_ttv_v3', 'eleven_multilingual_ttv_v2']);
const prompt = z.string().min(20).max(1000);
const name = z.string().min(1).max(100);
const description = z.string().max(1000).nullable();
const createBody = z.strictObject({
  name,
  description: description.optional(),
  from: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('text'), prompt, model }),
    z.strictObject({
      type: z.literal('audio'),
      audio: z.string().regex(/^(https:\/\/|runway:\/\/|data:audio\/)/, 'Must be an https://, runway:// or data:audio/ URI'),
    }),
  ]),
});
const updateBody = z
  .strictObject({ name: name.optional(), description: description.optional() })
  .refine(atLeastOne, { message: 'At least one field must be provided' });
const previewBody = z.strictObject({ prompt, model });

export function voiceRoutes(core: EmulatorCore): Router {
  const r = Router();
  const find = (id: string) => {
    const v = core.voices.get(id);
    if (!v) throw httpError(404, 'Voice not found');
    return v;
  };

  r.post('/v1/voices/preview', operation(core, 'voices.preview', 'apiKey'), (req, res) => {
    parseInput(previewBody, req.body, 'body');
    res.status(200).json({ url: `${FAKE_ASSETS}/voices/preview-${core.rng.ids.hex(8)}.mp3`, durationSecs: 5 });
  });

  r.post('/v1/voices', operation(core, 'voices.create', 'apiKey'), (req, res) => {
    const voice = core.voices.create(parseInput(createBody, req.body, 'body'));
    res.status(200).json({ id: voice.id });
  });

  r.get('/v1/voices', operation(core, 'voices.list', 'apiKey'), (req, res) => {
    const q = parseInput(pageQuery(50), req.query, 'query');
    const page = paginate(
      core.voices.all(),
      { key: (v) => v.createdAt, seq: (v) => v.seq, order: 'desc', limit: q.limit, cursor: q.cursor },
      (v) => core.voices.view(v),
    );
    res.status(200).json(page);
  });

  r.get('/v1/voices/:id', operation(core, 'voices.retrieve', 'apiKey'), (req, res) => {
    res.status(200).json(core.voices.view(find(pathId(core, req, 'Voice'))));
  });

  r.patch('/v1/voices/:id', operation(core, 'voices.update', 'apiKey'), (req, res) => {
    const voice = find(pathId(core, req, 'Voice'));
    const body = parseInput(updateBody, req.body, 'body');
    if (body.name !== undefined) voice.name = body.name;
    if (body.description !== undefined) voice.description = body.description;
    res.status(200).json(core.voices.view(voice));
  });

  r.delete('/v1/voices/:id', operation(core, 'voices.delete', 'apiKey'), (req, res) => {
    if (!core.voices.delete(pathId(core, req, 'Voice'))) throw httpError(404, 'Voice not found');
    res.status(204).end();
  });

  return r;
}
