import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { AppError, isAppError } from '../errors';
import type { Logger } from '../logger';
import type { Stores } from '../store/types';

// Request-rate limits per client identity (anonymous callers are keyed by address, IPv6 by /56).
// Session creation fails closed when the shared store is down (it costs money); reads and admin
// calls fail open. Standard draft-8 RateLimit headers; Retry-After on every 429.

export type LimiterName = 'sessions' | 'reads' | 'admin';

export function limiter(
  name: LimiterName,
  perMinute: (req: Request) => number,
  stores: Stores,
  onLimited: (name: LimiterName) => void,
  logger: Logger,
): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    keyGenerator: (req) => req.client.id,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: name,
    store: stores.rateLimit(`rl:${name}:`),
    passOnStoreError: name !== 'sessions',
    logger: rateLimitLogger(name, logger),
    handler: (req, _res, next) => {
      onLimited(name);
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime();
      const retryAfter = Math.max(1, Math.ceil(((reset ?? Date.now() + 60_000) - Date.now()) / 1000));
      next(new AppError('RATE_LIMITED', undefined, { retryAfter }));
    },
  });
}

// express-rate-limit reports store errors and misconfigurations to its logger: ours, so they are
// redacted and formatted like every other line (the library's default is the console). A store
// outage is not logged per request: the store logs it itself, once when it starts and once when it ends.
function rateLimitLogger(name: LimiterName, logger: Logger) {
  return {
    warn: (err: unknown, message?: string) => logger.warn({ err, limiter: name }, message ?? 'rate limiter warning'),
    error: (err: unknown, message?: string) => {
      if (isAppError(err) && err.code === 'STORE_UNAVAILABLE') return;
      logger.error({ err, limiter: name }, message ?? 'rate limiter error');
    },
  };
}
