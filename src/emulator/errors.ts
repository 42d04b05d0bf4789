// Runway-shaped errors: `{error}`; validation failures add zod issues and a docUrl.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';

export const DOC_URL = 'https://docs.dev.runwayml.com/api';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.error === 'string' ? body.error : `HTTP ${status}`);
  }
}

export function httpError(status: number, message: string): HttpError {
  return new HttpError(status, { error: message });
}

export type InputPart = 'body' | 'query' | 'params';

export function validationError(part: InputPart, issues: readonly unknown[]): HttpError {
  return new HttpError(400, { error: `Validation of ${part} failed`, issues, docUrl: DOC_URL });
}

/** Parses `value` or throws a Runway-shaped 400. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: InputPart): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(part, result.error.issues);
  return result.data;
}

export function sendError(res: Parameters<RequestHandler>[1], err: HttpError): void {
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
  res.status(err.status).json(err.body);
}

export const notFoundRoute: RequestHandler = (req, res) => {
  res.status(404).json({ error: `Cannot ${req.method} ${req.path}` });
};

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (res.headersSent) return;
    if (err instanceof HttpError) return sendError(res, err);
    // body-parser errors carry `type` and `status`
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') return void res.status(400).json({ error: 'Invalid JSON in request body' });
    if (e.type === 'entity.too.large') return void res.status(413).json({ error: 'Request body too large' });
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      return void res.status(e.status).json({ error: e.message ?? 'Bad request' });
    }
    log.error({ err }, 'emulator: unhandled error');
    res.status(500).json({ error: 'An internal error occurred' });
  };
}
