// POST /v1/uploads hands out an S3-style presigned POST that this emulator serves itself, so
// `client.uploads.createEphemeral` works end to end.
import express, { Router } from 'express';
import { z } from 'zod';
import { operation } from '../auth';
import type { EmulatorCore } from '../core';
import { parseInput } from '../errors';
import { httpOrigin } from './common';

export const STORAGE_PATH = '/__emulator/storage/uploads';
const MEDIA = /\.(png|jpe?g|webp|gif|avif|heic|mp4|mov|webm|mkv|m4v|mp3|wav|ogg|m4a|aac|flac)$/i;

const createBody = z.strictObject({
  filename: z.string().min(3).max(255).regex(MEDIA, 'Filename must have a supported media extension'),
  type: z.literal('ephemeral'),
});

export function uploadRoutes(core: EmulatorCore): Router {
  const r = Router();

  r.post('/v1/uploads', operation(core, 'uploads.create', 'apiKey'), (req, res) => {
    const body = parseInput(createBody, req.body, 'body');
    const upload = core.uploads.create(body.filename);
    res.status(200).json({ uploadUrl: `${httpOrigin(req)}${STORAGE_PATH}`, fields: core.uploads.fields(upload), runwayUri: upload.runwayUri });
  });

  // Storage answers like S3: 204 on success, plain-text errors otherwise (the SDK wraps any text).
  r.post(
    STORAGE_PATH,
    operation(core, 'uploads.storage', 'none'),
    express.raw({ type: () => true, limit: '210mb' }),
    async (req, res) => {
      const type = req.get('content-type') ?? '';
      if (!type.startsWith('multipart/form-data') || !Buffer.isBuffer(req.body)) {
        return void res.status(400).type('text/plain').send('Expected multipart/form-data');
      }
      let form: FormData;
      try {
        form = await new Response(req.body, { headers: { 'content-type': type } }).formData();
      } catch {
        return void res.status(400).type('text/plain').send('Malformed multipart body');
      }
      const key = form.get('key');
      const policy = form.get('policy');
      const signature = form.get('x-amz-signature');
      const file = form.get('file');
      const upload = typeof key === 'string' ? core.uploads.byKey(key) : undefined;
      if (!upload || typeof policy !== 'string' || signature !== core.uploads.sign(policy)) {
        return void res.status(403).type('text/plain').send('Invalid or missing upload signature');
      }
      if (Date.now() > upload.expiresAt) return void res.status(403).type('text/plain').send('Upload policy expired');
      if (!(file instanceof Blob)) return void res.status(400).type('text/plain').send('Missing file field');
      const metadata = form.get('metadata');
      upload.received = {
        size: file.size,
        contentType: file.type,
        metadata: typeof metadata === 'string' ? metadata : null,
        at: Date.now(),
      };
      res.status(204).end();
    },
  );

  return r;
}
