import type { Request } from 'express';
import { z } from 'zod';
import type { EmulatorCore } from '../core';
import { httpError, validationError } from '../errors';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const uuid = () => z.string().regex(UUID_RE, 'Invalid UUID');

const idParams = z.object({ id: uuid() });

/** The path id, lower-cased; a malformed one answers 400 or 404 per `malformedIdStatus`. */
export function pathId(core: EmulatorCore, req: Request, what: string): string {
  const result = idParams.safeParse(req.params);
  if (!result.success) {
    if (core.settings.malformedIdStatus === 404) throw httpError(404, `${what} not found`);
    throw validationError('params', result.error.issues);
  }
  return result.data.id.toLowerCase();
}

export function httpOrigin(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

export function wsOrigin(req: Request): string {
  return `${req.protocol === 'https' ? 'wss' : 'ws'}://${req.get('host') ?? 'localhost'}`;
}

/** ISO date-time (Z or offset) or plain date, as epoch ms. */
export const dateTime = () =>
  z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((v) => Date.parse(v));

export const atLeastOne = (value: Record<string, unknown>) => Object.values(value).some((v) => v !== undefined);
