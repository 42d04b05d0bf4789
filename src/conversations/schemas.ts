import { z } from 'zod';
import { dateTime, pageOf, pageQuery, resourceId, toIso } from '../http/admin';

export const conversationIdParams = z.object({ id: resourceId('Conversation') });

export const listConversationsQuery = pageQuery(20)
  .extend({
    avatarId: resourceId('Avatar').optional().meta({ description: 'Only conversations with this custom avatar.' }),
    startDate: dateTime.optional().meta({ description: 'Created at or after (inclusive).' }),
    endDate: dateTime.optional().meta({ description: 'Created before (exclusive).' }),
  })
  .refine((q) => q.startDate === undefined || q.endDate === undefined || Date.parse(toIso(q.endDate)) > Date.parse(toIso(q.startDate)), {
    message: 'endDate must be after startDate.',
    path: ['endDate'],
  });

export const transcriptQuery = z.object({
  format: z.enum(['json', 'txt']).default('json').meta({ description: 'json (default) or txt (plain text, one line per utterance).' }),
});

const avatarRef = z
  .union([
    z.object({ type: z.literal('runway-preset'), presetId: z.string(), name: z.string().optional() }),
    z.object({ type: z.literal('custom'), id: z.uuid().nullable(), name: z.string().nullable(), imageUrl: z.string().nullable().optional() }),
  ])
  .nullable();

export const conversationSummary = z
  .object({
    id: z.uuid().meta({ description: 'The same id as the realtime session.' }),
    name: z.string(),
    status: z.enum(['in_progress', 'ended', 'failed']),
    avatar: avatarRef,
    createdAt: z.iso.datetime(),
    duration: z.number().int().nullable(),
    hasTools: z.boolean(),
  })
  .meta({ id: 'ConversationSummary' });

export const conversationPage = pageOf(conversationSummary, 'ConversationPage');

const transcriptEntry = z
  .object({
    role: z.enum(['user', 'assistant']),
    content: z.string().nullable().meta({ description: 'null for tool-only turns.' }),
    timestamp: z.iso.datetime().nullable(),
    toolCalls: z.array(z.object({ id: z.string().optional(), name: z.string(), arguments: z.record(z.string(), z.unknown()) })).optional(),
    toolResults: z
      .array(
        z.object({
          id: z.string().optional(),
          name: z.string(),
          result: z.union([z.record(z.string(), z.unknown()), z.string()]).nullable().optional(),
          error: z.string().nullable().optional(),
          durationMs: z.number().nullable().optional(),
        }),
      )
      .optional(),
  })
  .meta({ id: 'TranscriptEntry' });

export const conversationResponse = z
  .object({
    id: z.uuid(),
    name: z.string(),
    status: z.enum(['in_progress', 'ended', 'failed']),
    avatar: avatarRef,
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    endedAt: z.iso.datetime().nullable().optional().meta({ description: 'ended and failed only.' }),
    duration: z.number().int().nullable(),
    maxDuration: z.number().int().nullable(),
    recordingUrl: z.string().nullable().meta({ description: 'Signed URL, fresh on every read; expires within 24–48 h.' }),
    tools: z.array(z.object({ type: z.enum(['client_event', 'backend_rpc']), name: z.string(), description: z.string() })),
    transcript: z.array(transcriptEntry),
    failure: z.string().optional().meta({ description: 'failed only; human text, not stable.' }),
    failureCode: z.string().optional().meta({ description: 'failed only; stable.' }),
  })
  .meta({ id: 'Conversation' });

export const transcriptResponse = z
  .object({
    conversationId: z.uuid(),
    name: z.string(),
    status: z.enum(['in_progress', 'ended', 'failed']),
    avatar: avatarRef,
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    endedAt: z.iso.datetime().nullable(),
    duration: z.number().int().nullable(),
    entries: z.array(transcriptEntry),
  })
  .meta({ id: 'Transcript' });
