// The broker's one error type. Every failure a caller can see is an AppError with a stable code;
// the HTTP layer renders it as {error, code, requestId}. Kept free of Express so every layer can use it.

export const ERROR_CODES = {
  INVALID_REQUEST: { status: 400, message: 'The request is invalid.' },
  UNAUTHORIZED: { status: 401, message: 'Authentication is required.' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  CORS_ORIGIN_DENIED: { status: 403, message: 'This origin is not allowed to call the broker.' },
  AVATAR_NOT_ALLOWED: { status: 403, message: 'This client may not start sessions with that avatar.' },
  OVERRIDE_NOT_ALLOWED: { status: 403, message: 'This client may not set per-session overrides.' },
  TEMPLATE_CONTEXT_INVALID: { status: 401, message: 'The context token is not valid (signature, audience, template or expiry).' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  TEMPLATE_NOT_FOUND: { status: 404, message: 'The session template does not exist.' },
  AVATAR_NOT_FOUND: { status: 404, message: 'The avatar does not exist or is not available.' },
  DOCUMENT_NOT_FOUND: { status: 404, message: 'The knowledge document does not exist.' },
  CONVERSATION_NOT_FOUND: { status: 404, message: 'The conversation does not exist.' },
  CONFLICT: { status: 409, message: 'The request conflicts with the current state of the resource.' },
  AVATAR_PROCESSING: { status: 409, message: 'The avatar is still processing its reference image; wait until its status is READY, then retry.' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, message: 'A request with this Idempotency-Key is still in progress.' },
  CREDENTIALS_ALREADY_DELIVERED: { status: 409, message: 'This Idempotency-Key already delivered its one-time credentials; they are never sent twice. Use a new key for a new session.' },
  TEMPLATE_CONTEXT_REPLAYED: { status: 409, message: 'This context token was already used; each one starts one session. Fetch a new connect URL.' },
  TEMPLATE_CONFLICT: { status: 409, message: 'A session template with this id already exists, or it is defined in TEMPLATES_FILE and read-only.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json.' },
  UPSTREAM_REJECTED: { status: 422, message: 'Runway rejected the request as invalid.' },
  KNOWLEDGE_BUDGET_EXCEEDED: { status: 422, message: "The avatar's knowledge would exceed its budget of tokens or documents." },
  TEMPLATE_TOO_LONG: { status: 422, message: "The rendered template exceeds Runway's limits (personality 10,000, startScript 2,000 characters)." },
  IDEMPOTENCY_KEY_REUSED: { status: 422, message: 'This Idempotency-Key was used with a different request body.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; slow down and retry later.' },
  UPSTREAM_RATE_LIMITED: { status: 429, message: 'Runway is rate limiting the broker; retry shortly.' },
  CONCURRENCY_LIMIT: { status: 429, message: 'Too many sessions at once for this client; end one or retry later.' },
  USAGE_BUDGET_EXCEEDED: { status: 429, message: 'This client has used its session budget for the current window; retry after it resets (Retry-After).' },
  CLIENT_CLOSED_REQUEST: { status: 499, message: 'The client closed the request.' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side.' },
  SESSION_FAILED: { status: 502, message: 'The avatar session failed to start.' },
  UPSTREAM_ERROR: { status: 502, message: 'Runway returned an unexpected error.' },
  UPSTREAM_INVALID_RESPONSE: { status: 502, message: 'Runway answered with a response the broker cannot use (a required field is missing or malformed).' },
  UPSTREAM_UNAVAILABLE: { status: 503, message: 'Runway is unavailable right now; retry shortly.' },
  CAPACITY_EXHAUSTED: { status: 503, message: 'All avatar session slots are in use; retry shortly.' },
  STORE_UNAVAILABLE: { status: 503, message: 'The broker cannot reach its shared state store; retry shortly.' },
  SHUTTING_DOWN: { status: 503, message: 'The broker is shutting down; retry on another instance.' },
  SESSION_TIMEOUT: { status: 504, message: 'The avatar session did not become ready in time.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface Issue {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  status?: number;
  /** Seconds; becomes the Retry-After header and a `retryAfter` field. */
  retryAfter?: number;
  issues?: Issue[];
  /** Runway's stable failure code, safe to show (the free-text `failure` is not). */
  failureCode?: string;
  /** Extra safe, non-secret fields for the body (e.g. a sessionId). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfter?: number;
  readonly issues?: Issue[];
  readonly failureCode?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(message ?? ERROR_CODES[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code].status;
    this.retryAfter = options.retryAfter;
    this.issues = options.issues;
    this.failureCode = options.failureCode;
    this.details = options.details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
