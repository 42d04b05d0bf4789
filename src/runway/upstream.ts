import RunwayML from '@runwayml/sdk';
import { Agent } from 'undici';
import type { Logger } from '../logger';
import { toAppError, upstreamStatus, upstreamText, UpstreamAbortedError } from './errors';
import { withRetry, type RetryPolicy } from './retry';

export interface UpstreamOptions {
  apiKey: string;
  baseURL: string;
  /** Timeout of a single HTTP attempt. */
  attemptTimeoutMs: number;
  retry: RetryPolicy;
  logger: Logger;
  /** Called once per HTTP attempt; the metrics module listens here. */
  onAttempt?: (op: string, status: string, durationMs: number) => void;
  /** Replaces the pooled fetch (tests record or fake upstream traffic); no pool is created then. */
  fetch?: typeof fetch;
  /**
   * Most sockets open to the upstream origin at once (one keep-alive pool shared by the SDK and
   * consume). Calls beyond it wait for a free socket, inside their own attempt timeout.
   */
  maxConnections?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Epoch ms: no attempt starts or waits beyond it. */
  deadline?: number;
  /** Words for error messages, e.g. "creating the session". */
  what?: string;
  /** This call's own attempt timeout instead of UPSTREAM_TIMEOUT_MS (session create's is longer). */
  timeoutMs?: number;
}

export interface AttemptContext {
  signal: AbortSignal;
  timeout: number;
}

export const DEFAULT_MAX_CONNECTIONS = 64;

/**
 * The only door to Runway. Wraps the official SDK with the SDK's own retries switched off, so that
 * exactly one policy decides: idempotent calls are retried (see retry.ts), non-idempotent ones are
 * attempted once. Every failure leaves as an AppError or UpstreamAbortedError.
 */
export class Upstream {
  readonly sdk: RunwayML;
  readonly fetch: typeof fetch;
  /** The keep-alive pool; absent when a fetch is injected. */
  private readonly pool: Agent | undefined;
  private closing: Promise<void> | undefined;

  constructor(readonly options: UpstreamOptions) {
    // Without a bound every concurrent poll may open its own socket and parser (1 000 pending
    // sessions meant ~1 000 sockets). One pool, shared by everything that talks upstream, caps that.
    this.pool = options.fetch ? undefined : new Agent({ connections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS });
    const pool = this.pool;
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, { ...init, dispatcher: pool } as RequestInit));
    this.sdk = new RunwayML({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: 0,
      timeout: options.attemptTimeoutMs,
      logLevel: 'off',
      fetch: this.fetch,
    });
  }

  get baseURL(): string {
    return this.options.baseURL.replace(/\/+$/, '');
  }

  /**
   * Closes the pool once in-flight calls finish; later calls fail. Shutdown does not call it (a late
   * cancel must still reach Runway, and idle pooled sockets do not keep the process alive).
   */
  close(): Promise<void> {
    this.closing ??= this.pool?.close() ?? Promise.resolve();
    return this.closing;
  }

  /** An idempotent call (GET, DELETE, PATCH of a whole value): retried on transient failures. */
  idempotent<T>(op: string, run: (ctx: AttemptContext) => Promise<T>, options: CallOptions = {}): Promise<T> {
    return this.guard(op, options, () =>
      withRetry(() => this.attempt(op, run, options), {
        policy: this.options.retry,
        signal: options.signal,
        deadline: options.deadline,
        onRetry: (err, attempt, waitMs) =>
          this.options.logger.warn({ op, attempt, status: upstreamStatus(err), waitMs, upstream: upstreamText(err) }, 'retrying upstream call'),
      }),
    );
  }

  /** A call that must not be repeated (session create, consume): one attempt only. */
  once<T>(op: string, run: (ctx: AttemptContext) => Promise<T>, options: CallOptions = {}): Promise<T> {
    return this.guard(op, options, () => this.attempt(op, run, options));
  }

  private async guard<T>(op: string, options: CallOptions, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      if (options.signal?.aborted) throw new UpstreamAbortedError(options.signal.reason);
      const status = upstreamStatus(err);
      this.options.logger.warn({ op, status, upstream: upstreamText(err) }, 'upstream call failed');
      throw toAppError(err, options.what ?? op);
    }
  }

  private async attempt<T>(op: string, run: (ctx: AttemptContext) => Promise<T>, options: CallOptions): Promise<T> {
    const left = options.deadline === undefined ? Number.POSITIVE_INFINITY : options.deadline - Date.now();
    const timeout = Math.max(1, Math.min(options.timeoutMs ?? this.options.attemptTimeoutMs, left));
    const signal = options.signal ?? new AbortController().signal;
    const started = performance.now();
    try {
      const result = await run({ signal, timeout });
      this.options.onAttempt?.(op, 'ok', performance.now() - started);
      return result;
    } catch (err) {
      const status = upstreamStatus(err);
      const label = status ? String(status) : err instanceof RunwayML.APIUserAbortError ? 'aborted' : 'network';
      this.options.onAttempt?.(op, label, performance.now() - started);
      throw err;
    }
  }
}
