import cors from 'cors';
import type { RequestHandler } from 'express';
import { AppError } from '../errors';

/**
 * Browsers may call the broker only from listed origins. A cross-origin <AvatarCall connectUrl>
 * sends JSON, which triggers a preflight; we answer it for listed origins and refuse others with a
 * clear 403 instead of a silent CORS failure. Requests without an Origin (curl, servers) pass.
 */
export function corsAllowlist(origins: string[]): RequestHandler[] {
  const allowed = new Set(origins);
  const handler = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'DELETE', 'PATCH', 'PUT'],
    allowedHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy'],
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
  const refusePreflight: RequestHandler = (req, _res, next) => {
    const origin = req.get('origin');
    if (req.method === 'OPTIONS' && origin && !allowed.has(origin)) {
      throw new AppError('CORS_ORIGIN_DENIED', `Origin ${origin} is not allowed; add it to CORS_ORIGINS.`);
    }
    next();
  };
  return [refusePreflight, handler];
}
