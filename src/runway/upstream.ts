import type RunwayML from '@runwayml/sdk';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@runwayml/sdk/core/error';
import type { Agent } from 'undici';
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
   * Most sockets open to the upstream origin at once (one keep-alive pool shared by the session
   * path and the SDK). Calls beyond it wait for a free socket, inside their own attempt timeout.
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

/** The API version both paths send (the SDK's default; given to the SDK too, so they cannot differ). */
export const RUNWAY_VERSION = '2024-11-06';

/** A JSON call outside the SDK (see Upstream.json). */
export interface JsonRequest extends AttemptContext {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query on the upstream origin, e.g. /v1/realtime_sessions/{id}. */
  path: string;
  /** Authorization for this call; the API key when absent. */
  bearer?: string;
  body?: unknown;
}

/**
 * A controller that aborts when `parent` does, linked only until `unlink`: a long-lived parent
 * (a session's signal) then keeps no listener, and nothing it holds, once the call is over.
 */
function linkedController(parent: AbortSignal | undefined): { controller: AbortController; unlink(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  return { controller, unlink: () => parent?.removeEventListener('abort', onAbort) };
}

/** Marks our own attempt timer's abort, to tell it from the caller's. */
const TIMED_OUT = Symbol('timed out');

/**
 * The only door to Runway. The session path (create, poll, consume, cancel) sends plain JSON
 * requests on a pooled transport; the management API goes through the official SDK, made on first
 * use (it costs ~30 ms to load). The SDK's own retries are off, so exactly one policy decides:
 * idempotent calls are retried (see retry.ts), non-idempotent ones are attempted once. Both paths
 * fail with the SDK's error classes; every failure leaves as an AppError or UpstreamAbortedError.
 */
export class Upstream {
  readonly fetch: typeof fetch;
  private client: RunwayML | undefined;
  /** The keep-alive pool, made on the first call (undici costs ~0.1 s to load); never when a fetch is injected. */
  private agent: Agent | undefined;
  /** The base URL split for the pool's request API. */
  private readonly origin: string;
  private readonly basePath: string;
  private closing: Promise<void> | undefined;

  constructor(readonly options: UpstreamOptions) {
    // Without a bound every concurrent poll may open its own socket and parser (1 000 pending
    // sessions meant ~1 000 sockets). One pool, shared by everything that talks upstream, caps that.
    const base = new URL(options.baseURL);
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, { ...init, dispatcher: this.pool } as RequestInit));
  }

  /** The official SDK on the same pool, for the management API. */
  get sdk(): RunwayML {
    const { options } = this;
    this.client ??= new (require('@runwayml/sdk') as typeof import('@runwayml/sdk')).default({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      runwayVersion: RUNWAY_VERSION,
      maxRetries: 0,
      timeout: options.attemptTimeoutMs,
      logLevel: 'off',
      fetch: this.fetch,
    });
    return this.client;
  }

  /**
   * One JSON request on the pool's plain request API, for the session path: calls made per
   * session, and consume, which the SDK lacks. Through fetch and the SDK a poll cost ~0.7 ms of CPU
   * and most of a pending session's garbage; this costs ~0.1 ms. Failures are the SDK's own error
   * classes, so retries and error mapping treat both paths alike.
   */
  async json({ method, path, bearer, body, signal, timeout }: JsonRequest): Promise<unknown> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${bearer ?? this.options.apiKey}`,
      'x-runway-version': RUNWAY_VERSION,
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const { controller: own, unlink } = linkedController(signal);
    const timer = setTimeout(() => own.abort(TIMED_OUT), timeout);
    try {
      const { status, headers: got, text } = await this.send(method, path, headers, payload, own.signal).catch((err: unknown) => {
        if (own.signal.reason === TIMED_OUT) throw new APIConnectionTimeoutError();
        if (signal.aborted) throw new APIUserAbortError();
        throw new APIConnectionError({ cause: err as Error });
      });
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (status >= 400) throw APIError.generate(status, parsed as object | undefined, undefined, got());
      return parsed;
    } finally {
      clearTimeout(timer);
      unlink();
    }
  }

  /** Status, lazily built headers (only errors need them) and body text, via the pool or the injected fetch. */
  private async send(method: string, path: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<{ status: number; headers: () => Headers; text: string }> {
    const pool = this.pool;
    if (pool) {
      const res = await pool.request({ origin: this.origin, path: this.basePath + path, method, headers, body, signal });
      const text = await res.body.text();
      return {
        status: res.statusCode,
        text,
        headers: () => {
          const out = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(', ') : value);
          return out;
        },
      };
    }
    const res = await this.fetch(`${this.baseURL}${path}`, { method, headers, body, signal });
    const text = await res.text();
    return { status: res.status, text, headers: () => res.headers };
  }

  private get pool(): Agent | undefined {
    if (this.options.fetch) return undefined;
    if (!this.agent) {
      if (this.closing) throw new Error('The upstream pool is closed.');
      const { Agent } = require('undici') as typeof import('undici');
      this.agent = new Agent({ connections: this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS });
    }
    return this.agent;
  }

  get baseURL(): string {
    return this.options.baseURL.replace(/\/+$/, '');
  }

  /**
   * Closes the pool once in-flight calls finish; later calls fail. Shutdown does not call it (a late
   * cancel must still reach Runway, and idle pooled sockets do not keep the process alive).
   */
  close(): Promise<void> {
    this.closing ??= this.agent?.close() ?? Promise.resolve();
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
    // The SDK adds an abort listener to the signal it is given and never removes it: handing it a
    // session-long signal piles up one listener (and controller) per poll. Each attempt gets its
    // own signal, linked to the caller's only while the attempt runs.
    const link = linkedController(options.signal);
    const signal = link.controller.signal;
    const started = performance.now();
    try {
      const result = await run({ signal, timeout });
      this.options.onAttempt?.(op, 'ok', performance.now() - started);
      return result;
    } catch (err) {
      const status = upstreamStatus(err);
      const label = status ? String(status) : err instanceof APIUserAbortError ? 'aborted' : 'network';
      this.options.onAttempt?.(op, label, performance.now() - started);
      throw err;
    } finally {
      link.unlink();
    }
  }
}
