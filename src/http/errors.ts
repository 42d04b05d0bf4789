import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AppError, isAppError } from '../errors';
import type { Logger } from '../logger';

export interface ErrorBody {
  error: string;
  code: string;
  requestId: string;
  issues?: { path: string; message: string }[];
  retryAfter?: number;
  failureCode?: string;
  [extra: string]: unknown;
}

export function sendError(res: Response, requestId: string, err: AppError): void {
  const body: ErrorBody = { error: err.message, code: err.code, requestId, ...err.details };
  if (err.issues?.length) body.issues = err.issues;
  if (err.failureCode) body.failureCode = err.failureCode;
  if (err.retryAfter !== undefined) {
    body.retryAfter = err.retryAfter;
    res.setHeader('Retry-After', String(err.retryAfter));
  }
  res.setHeader('Cache-Control', 'no-store');
  res.status(err.status).json(body);
}

export const notFound: RequestHandler = (req) => {
  throw new AppError('NOT_FOUND', `No route for ${req.method} ${req.path}.`);
};

// body-parser signals its failures with a `type`; they are the client's mistakes, never 500s.
function fromBodyParser(err: { type?: string; status?: number }): AppError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError('INVALID_REQUEST', 'The body is not valid JSON.');
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'The body encoding or charset is not supported.');
    case 'request.aborted':
      return new AppError('CLIENT_CLOSED_REQUEST');
  }
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) return new AppError('INVALID_REQUEST', 'The request could not be read.');
  return undefined;
}

/** The single place request errors are rendered. Unknown errors are logged and hidden behind a 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = isAppError(err) ? err : fromBodyParser(err ?? {});
    const appError = known ?? new AppError('INTERNAL');
    if (!known) logger.error({ err, requestId: req.id }, 'unhandled request error');
    sendError(res, String(req.id ?? 'unknown'), appError);
  };
}
