import express, { Router, type Request } from 'express';
import type { Config } from '../config';
import type { Knowledge } from '../documents/knowledge';
import { AppError } from '../errors';
import { toIso } from '../http/admin';
import { requireScope } from '../http/auth';
import { parse } from '../http/validate';
import { avatarProcessing, type AvatarCreate, type AvatarsApi, type AvatarUpdate } from '../runway/avatars';
import type { UploadsApi } from '../runway/uploads';
import { checkUploadedImage } from './image';
import { formFields, jsonOrMultipart, multipartFile } from '../http/multipart';
import { avatarIdParams, createAvatarBody, listAvatarsQuery, updateAvatarBody, usageQuery, type VoiceInput } from './schemas';

export interface AvatarsRouterDeps {
  config: Config;
  avatars: AvatarsApi;
  uploads: UploadsApi;
  knowledge: Knowledge;
}

export const IMAGE_FIELD = 'image';
const JSON_FIELDS = ['voice', 'documentIds'] as const;

/** /api/avatars: Runway avatars, with the reference image as a URL, a data: URI or an uploaded file. */
export function avatarsRouter({ config, avatars, uploads, knowledge }: AvatarsRouterDeps): Router {
  const router = Router();
  router.use(requireScope('admin'));
  router.use(jsonOrMultipart());
  router.use(express.json({ limit: config.AVATAR_JSON_BODY_LIMIT }));
  router.use(multipartFile({ field: IMAGE_FIELD, maxBytes: config.AVATAR_IMAGE_MAX_BYTES, label: 'The image' }));

  /** The image the caller gave, as something Runway accepts; an uploaded file goes through Runway's ephemeral upload. */
  async function referenceImageOf(req: Request, given: string | undefined): Promise<string | undefined> {
    if (!req.file) return given;
    const { filename } = checkUploadedImage(req.file, IMAGE_FIELD);
    return uploads.createEphemeral(req.file.buffer, filename);
  }

  router.post('/', async (req, res) => {
    const body = parse(createAvatarBody, formFields(req.body, JSON_FIELDS), 'avatar');
    imageOnce(req, body.referenceImage, true);
    if (req.file) checkUploadedImage(req.file, IMAGE_FIELD);
    if (body.documentIds?.length) await knowledge.check(body.documentIds);
    const referenceImage = (await referenceImageOf(req, body.referenceImage))!;
    const params: AvatarCreate = {
      name: body.name,
      personality: body.personality,
      voice: voiceParam(body.voice),
      referenceImage,
      ...(body.startScript !== undefined ? { startScript: body.startScript } : {}),
      ...(body.documentIds !== undefined ? { documentIds: body.documentIds } : {}),
      ...(body.imageProcessing !== undefined ? { imageProcessing: body.imageProcessing } : {}),
    };
    res.status(201).json(await avatars.create(params));
  });

  router.get('/', async (req, res) => {
    const query = parse(listAvatarsQuery, req.query, 'query');
    res.json(await avatars.list(query));
  });

  // Before /:id, which would otherwise take "usage" as an id.
  router.get('/usage', async (req, res) => {
    const query = parse(usageQuery, req.query, 'query');
    res.json(await avatars.usage({ startDate: toIso(query.startDate), endDate: toIso(query.endDate) }));
  });

  router.get('/:id', async (req, res) => {
    const { id } = parse(avatarIdParams, req.params, 'avatar id');
    res.json(await avatars.retrieve(id));
  });

  router.patch('/:id', async (req, res) => {
    const { id } = parse(avatarIdParams, req.params, 'avatar id');
    const body = parse(updateAvatarBody, formFields(req.body, JSON_FIELDS), 'avatar update');
    imageOnce(req, body.referenceImage, false);
    if (req.file) checkUploadedImage(req.file, IMAGE_FIELD);
    const { voice, referenceImage: givenImage, ...rest } = body;
    const fields: AvatarUpdate = { ...dropUndefined(rest), ...(voice !== undefined ? { voice: voiceParam(voice) } : {}) };
    if (Object.keys(fields).length === 0 && givenImage === undefined && !req.file) {
      throw new AppError('INVALID_REQUEST', 'Send at least one field to change (or an image).', {
        issues: [{ path: '(body)', message: 'At least one field, or an uploaded image, is required.' }],
      });
    }
    const update = async () => {
      if (givenImage !== undefined || req.file) {
        // Refuse before uploading anything: Runway answers 409 for a new image while PROCESSING.
        const current = await avatars.retrieve(id);
        if (current.status === 'PROCESSING') throw avatarProcessing(id);
      }
      if (fields.documentIds) await knowledge.check(fields.documentIds, { avatarId: id });
      const referenceImage = await referenceImageOf(req, givenImage);
      return avatars.update(id, { ...fields, ...(referenceImage !== undefined ? { referenceImage } : {}) });
    };
    // A new documentIds list must not interleave with attach/detach on the same avatar.
    res.json(fields.documentIds ? await knowledge.locked(id, update) : await update());
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parse(avatarIdParams, req.params, 'avatar id');
    await avatars.delete(id);
    res.status(204).end();
  });

  return router;
}

function imageOnce(req: Request, given: string | undefined, required: boolean): void {
  if (given !== undefined && req.file) {
    throw new AppError('INVALID_REQUEST', 'Give the reference image once: either referenceImage or an uploaded file.', {
      issues: [{ path: 'referenceImage', message: `Not allowed together with an uploaded "${IMAGE_FIELD}" file.` }],
    });
  }
  if (required && given === undefined && !req.file) {
    throw new AppError('INVALID_REQUEST', 'A reference image is required.', {
      issues: [{ path: 'referenceImage', message: `Give an https URL or data: URI, or upload the file as multipart field "${IMAGE_FIELD}".` }],
    });
  }
}

function voiceParam(voice: VoiceInput): AvatarCreate['voice'] {
  return typeof voice === 'string' ? { type: 'runway-live-preset', presetId: voice } : voice;
}

function dropUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
