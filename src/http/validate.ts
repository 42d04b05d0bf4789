import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { AppError, type Issue } from '../errors';

/** Parses input with a zod schema or throws a 400 listing every problem with its field path. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues: Issue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  throw new AppError('INVALID_REQUEST', `The ${what} is invalid: ${summary(issues)}`, { issues });
}

function summary(issues: Issue[]): string {
  const first = issues[0];
  const head = first ? `${first.path}: ${first.message}` : 'unknown problem';
  return issues.length > 1 ? `${head} (and ${issues.length - 1} more)` : head;
}

/** A body that is present but not JSON gets a precise 415 instead of a confusing "field required". */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON with Content-Type: application/json.');
  next();
};
