import { z } from 'zod';
import { documentIds } from '../documents/ids';
import { dateTime, idParams, pageOf, pageQuery, resourceId, toIso } from '../http/admin';
import { PRESET_VOICE_IDS } from '../runway/voices';
import { dataUriImageProblem } from './image';

// Limits mirror Runway's own schema (reference §5), so bad input is a 400 here, before any upstream call.

export const avatarIdParams = idParams('Avatar');

const httpsUrl = z.string().min(13).max(2048).regex(/^https:\/\//, 'Must be an https:// URL.');
const runwayUri = z.string().min(13).max(5000).regex(/^runway:\/\//, 'Must be a runway:// upload URI.');
const dataUri = z
  .string()
  .min(13)
  .max(5_242_880)
  .regex(/^data:/, 'Must be a data: URI.')
  .superRefine((uri, ctx) => {
    const problem = dataUriImageProblem(uri);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const referenceImage = z.union([httpsUrl, runwayUri, dataUri]).meta({
  description:
    'An https:// URL (≤ 2048 chars), a runway:// upload URI, or a base64 data:image/jpeg|png|webp URI (≤ 5,242,880 chars). ' +
    'Or omit it and upload the file as multipart field `image`.',
  example: 'https://example.com/face.jpg',
});

export const presetVoiceId = z.enum(PRESET_VOICE_IDS);

export const voice = z
  .union([
    presetVoiceId.meta({ description: 'Shorthand for {type: "runway-live-preset", presetId}.' }),
    z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('runway-live-preset'), presetId: presetVoiceId }),
      z.strictObject({ type: z.literal('custom'), id: resourceId('Voice') }),
    ]),
  ])
  .meta({ description: 'A preset voice id (see GET /api/presets), or a voice object.', example: 'clara' });

export type VoiceInput = z.output<typeof voice>;

const name = z.string().min(1).max(50);
const personality = z.string().min(1).max(10_000).meta({ description: 'The system prompt: how the avatar behaves.' });
const startScript = z.string().max(2000).meta({ description: 'Opening line spoken when a session starts.' });
const imageProcessing = z.enum(['optimize', 'none']);

export const createAvatarBody = z
  .strictObject({
    name,
    personality,
    voice,
    referenceImage: referenceImage.optional(),
    startScript: startScript.optional(),
    documentIds: documentIds.optional(),
    imageProcessing: imageProcessing.optional(),
  })
  .meta({
    id: 'CreateAvatarRequest',
    description: 'referenceImage is required unless the image is uploaded as multipart field `image`.',
    example: { name: 'Ada', personality: 'You are a friendly museum guide.', voice: 'clara', referenceImage: 'https://example.com/face.jpg' },
  });

export const updateAvatarBody = z
  .strictObject({
    name: name.optional(),
    personality: personality.optional(),
    voice: voice.optional(),
    referenceImage: referenceImage.optional(),
    startScript: startScript.nullable().optional().meta({ description: 'null clears the opening line.' }),
    documentIds: documentIds.optional().meta({ description: 'Replaces the whole list; prefer POST/DELETE /api/avatars/{id}/documents.' }),
    imageProcessing: imageProcessing.optional(),
  })
  .meta({ id: 'UpdateAvatarRequest', description: 'At least one field, or an uploaded `image`.', example: { personality: 'You are a patient maths tutor.' } });

/** Multipart versions: the same fields as text, plus the file. */
const imageFile = z.string().meta({ format: 'binary', description: 'JPEG, PNG or WebP; checked by content. Size limit: AVATAR_IMAGE_MAX_BYTES.' });
export const createAvatarForm = z
  .object({
    name,
    personality,
    voice: z.string().meta({ description: 'A preset voice id, or a voice object as JSON.' }),
    image: imageFile,
    startScript: startScript.optional(),
    documentIds: z.string().optional().meta({ description: 'JSON array of document ids.' }),
    imageProcessing: imageProcessing.optional(),
  })
  .meta({ id: 'CreateAvatarForm' });
export const updateAvatarForm = z
  .object({
    image: imageFile.optional(),
    name: name.optional(),
    personality: personality.optional(),
    voice: z.string().optional(),
    startScript: startScript.optional(),
    imageProcessing: imageProcessing.optional(),
  })
  .meta({ id: 'UpdateAvatarForm' });

export const listAvatarsQuery = pageQuery(50);

const DAY_MS = 86_400_000;
export const usageQuery = z
  .object({
    startDate: dateTime.meta({ description: 'Inclusive, UTC.' }),
    endDate: dateTime.meta({ description: 'Exclusive, UTC; at most 90 days after startDate.' }),
  })
  .refine((q) => Date.parse(toIso(q.endDate)) > Date.parse(toIso(q.startDate)), { message: 'endDate must be after startDate.', path: ['endDate'] })
  .refine((q) => Date.parse(toIso(q.endDate)) - Date.parse(toIso(q.startDate)) <= 90 * DAY_MS, {
    message: 'The range may span at most 90 days.',
    path: ['endDate'],
  });

// Response shapes, for the OpenAPI document (the broker passes Runway's objects through).
const voiceView = z.union([
  z.object({ type: z.literal('runway-live-preset'), presetId: presetVoiceId, name: z.string(), description: z.string() }),
  z.object({ type: z.literal('custom'), id: z.uuid(), deleted: z.boolean(), name: z.string().optional(), description: z.string().nullable().optional() }),
]);

export const avatarResponse = z
  .object({
    id: z.uuid(),
    name: z.string(),
    personality: z.string(),
    startScript: z.string().nullable(),
    voice: voiceView,
    referenceImageUri: z.string().nullable(),
    processedImageUri: z.string().nullable(),
    documentIds: z.array(z.uuid()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    status: z.enum(['PROCESSING', 'READY', 'FAILED']),
    failureReason: z.string().optional().meta({ description: 'FAILED only; human text, not stable.' }),
  })
  .meta({ id: 'Avatar' });

export const avatarPage = pageOf(avatarResponse, 'AvatarPage');

export const usageResponse = z
  .object({
    totalSeconds: z.number().int(),
    totalSessions: z.number().int(),
    avgDurationSeconds: z.number().int(),
    byDay: z.array(z.object({ date: z.iso.date(), seconds: z.number().int(), sessions: z.number().int() })),
  })
  .meta({ id: 'AvatarUsage' });
