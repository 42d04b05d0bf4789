import { z } from 'zod';

// Request and response pieces every management router shares (avatars, documents, conversations,
// presets): Runway's resource ids, its cursor pagination and its dates. Kept here, in the toolkit,
// so that no feature depends on another for them.

/** A Runway resource id: a UUID, compared in lower case. */
export const resourceId = (what: string) => z.uuid({ message: `${what} ids are UUIDs.` }).transform((id) => id.toLowerCase());

/** `{id}` path parameters of a resource. */
export const idParams = (what: string) => z.object({ id: resourceId(what) });

export const pageQuery = (defaultLimit: number) =>
  z.object({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: `Page size, 1–100 (Runway's default: ${defaultLimit}).` }),
    cursor: z.string().min(1).max(1000).optional().meta({ description: '`nextCursor` from the previous page.' }),
  });

/** One page of a Runway list, in Runway's own shape (for the OpenAPI document). */
export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      data: z.array(item),
      hasMore: z.boolean(),
      nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
    })
    .meta({ id });

/** ISO date-time (Z or offset) or a plain date (midnight UTC). */
export const dateTime = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).meta({ example: '2026-09-01T00:00:00Z' });

export const toIso = (value: string) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString();
