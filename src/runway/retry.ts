import pRetry, { AbortError } from 'p-retry';
import { isTransient, retryAfterMs } from './errors';

export interface RetryPolicy {
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 3, minDelayMs: 200, maxDelayMs: 3000 };

export interface RetryOptions {
  policy: RetryPolicy;
  signal?: AbortSignal;
  /** Epoch ms after which no new attempt starts and no wait extends. */
  deadline?: number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Retries an idempotent upstream call on transient failures with exponential backoff and jitter
 * (p-retry randomizes each delay by up to 2x). A server's Retry-After is waited out first, but never
 * past the caller's deadline: if it asks for longer, we give up now and report the failure.
 */
export async function withRetry<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, signal, deadline } = options;
  const remaining = () => (deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now());
  return pRetry(
    async () => {
      try {
        return await attempt();
      } catch (err) {
        if (!isTransient(err)) throw new AbortError(err as Error);
        throw err;
      }
    },
    {
      retries: policy.retries,
      factor: 2,
      minTimeout: policy.minDelayMs,
      maxTimeout: policy.maxDelayMs,
      randomize: true,
      maxRetryTime: Math.max(0, remaining()),
      signal,
      unref: true,
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft <= 0) return;
        const wait = retryAfterMs(error) ?? 0;
        if (wait >= remaining()) throw error; // the server wants longer than we have
        options.onRetry?.(error, attemptNumber, wait);
        if (wait > 0) await sleep(wait, signal);
      },
    },
  );
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
