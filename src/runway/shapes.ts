import { z } from 'zod';
import { AppError } from '../errors';
import type { Logger } from '../logger';

// The fields of Runway's answers that the broker relies on, checked at the door. The SDK types them
// but does not check them at run time: without this, a 200 without an `id` would have us poll
// /v1/realtime_sessions/undefined. Objects are loose (Runway may add fields) and only what we read is
// required. A violation is a 502 UPSTREAM_INVALID_RESPONSE naming the fields (never their values,
// which may be secrets such as a sessionKey).

const text = z.string().min(1);
const loose = z.looseObject;

export const createdSession = loose({ id: text });

export const retrievedSession = z.discriminatedUnion('status', [
  loose({ id: text, status: z.literal('NOT_READY'), queued: z.boolean().optional() }),
  loose({ id: text, status: z.literal('READY'), sessionKey: text, expiresAt: text }),
  loose({ id: text, status: z.literal('RUNNING') }),
  loose({ id: text, status: z.literal('COMPLETED') }),
  loose({ id: text, status: z.literal('FAILED'), failureCode: z.string() }),
  loose({ id: text, status: z.literal('CANCELLED') }),
]);

// Status values are open strings where we only compare against one (a new status must not break reads).
export const avatar = loose({ id: text, status: z.string(), documentIds: z.array(z.string()) });

export const avatarUsage = loose({});

const usedBy = z.array(loose({ id: text }));
export const documentSummary = loose({ id: text, name: z.string(), updatedAt: z.string(), usedBy });
export const knowledgeDocument = loose({ id: text, name: z.string(), content: z.string(), updatedAt: z.string(), usedBy });

const transcriptEntry = loose({ role: z.enum(['user', 'assistant']), content: z.string().nullable() });
export const conversationSummary = loose({ id: text, status: z.string() });
export const conversation = loose({
  id: text,
  name: z.string(),
  status: z.string(),
  createdAt: z.string(),
  duration: z.number().nullable(),
  transcript: z.array(transcriptEntry),
});

export const upload = loose({ uri: text });

/** A list page as the SDK's CursorPage holds it. */
export const page = (item: z.ZodType) => loose({ data: z.array(item) });

/**
 * Returns `value` unchanged (same object, same type) when it has the shape the broker relies on,
 * else throws 502 UPSTREAM_INVALID_RESPONSE and logs which fields were wrong.
 */
export function checked<T>(schema: z.ZodType, value: T, what: string, log?: { logger: Logger; op: string }): T {
  const result = schema.safeParse(value);
  if (result.success) return value;
  const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(body)'))];
  log?.logger.warn({ op: log.op, fields }, 'upstream response has an unexpected shape');
  throw new AppError('UPSTREAM_INVALID_RESPONSE', `Runway returned a response the broker cannot use while ${what} (unexpected: ${fields.join(', ')}).`);
}
