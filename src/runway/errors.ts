import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@runwayml/sdk/core/error';
import { AppError } from '../errors';

// The one place where upstream failures become broker errors. Upstream bodies and messages are
// logged by the caller (see Upstream.call) but never copied into the AppError's public message.

export class UpstreamAbortedError extends Error {
  constructor(readonly reason: unknown) {
    super('Upstream call aborted');
    this.name = 'UpstreamAbortedError';
  }
}

/** HTTP status of an upstream failure, or 0 for connection-level failures. */
export function upstreamStatus(err: unknown): number {
  return err instanceof APIError && typeof err.status === 'number' ? err.status : 0;
}

/** Retry-After in milliseconds, from `retry-after-ms` or `Retry-After` (seconds or HTTP date). */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  const headers = err instanceof APIError ? err.headers : undefined;
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Whether another attempt may succeed: 408, 429, 5xx and connection errors, per Runway's guidance. */
export function isTransient(err: unknown): boolean {
  if (err instanceof APIUserAbortError || err instanceof UpstreamAbortedError) return false;
  if (err instanceof APIConnectionError) return true;
  const status = upstreamStatus(err);
  return status === 408 || status === 429 || status >= 500;
}

/** Upstream human text, for logs only (Runway puts it in `error`, not `message`). */
export function upstreamText(err: unknown): string | undefined {
  if (err instanceof APIError) {
    const body = err.error as { error?: unknown } | undefined;
    return typeof body?.error === 'string' ? body.error : undefined;
  }
  return err instanceof Error ? err.message : undefined;
}

const seconds = (ms: number | undefined, fallback: number) => Math.max(1, Math.ceil((ms ?? fallback * 1000) / 1000));

export function toAppError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof APIConnectionTimeoutError) {
    return new AppError('UPSTREAM_UNAVAILABLE', `Runway did not answer in time while ${what}.`, { retryAfter: 2, cause: err });
  }
  if (err instanceof APIConnectionError) {
    return new AppError('UPSTREAM_UNAVAILABLE', `Runway could not be reached while ${what}.`, { retryAfter: 2, cause: err });
  }
  const status = upstreamStatus(err);
  if (status === 404) return new AppError('NOT_FOUND', `Runway has no such resource (${what}).`, { cause: err });
  if (status === 409) return new AppError('CONFLICT', `Runway reported a conflict while ${what}.`, { cause: err });
  if (status === 429) {
    return new AppError('UPSTREAM_RATE_LIMITED', undefined, { retryAfter: seconds(retryAfterMs(err), 2), cause: err });
  }
  if (status === 400 || status === 422) {
    return new AppError('UPSTREAM_REJECTED', `Runway rejected the request while ${what}.`, { cause: err });
  }
  if (status === 401 || status === 403) {
    // Our key, not the caller's: the caller cannot fix it, ops can.
    return new AppError('UPSTREAM_ERROR', `The broker could not authenticate with Runway while ${what}.`, { cause: err });
  }
  if (status === 502 || status === 503 || status === 504) {
    return new AppError('UPSTREAM_UNAVAILABLE', undefined, { retryAfter: seconds(retryAfterMs(err), 2), cause: err });
  }
  return new AppError('UPSTREAM_ERROR', `Runway returned an unexpected error while ${what}.`, { cause: err });
}
