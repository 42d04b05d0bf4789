import { AppError } from '../errors';
import { UpstreamAbortedError } from '../runway/errors';
import type { SessionRecord } from '../store/registry';

// Whatever stopped an attempt, classified once: what the client sees, why we cancel upstream, what
// the record says and how metrics count it.

export type Outcome = 'delivered' | 'timeout' | 'failed' | 'cancelled' | 'client_closed' | 'shutdown' | 'error';
export type CancelReason = 'timeout' | 'client_closed' | 'session_ended' | 'consume_failed' | 'shutdown' | 'undelivered' | 'requested' | 'error';
/** Why an attempt's signal was aborted. */
export type AbortReason = 'timeout' | 'client_closed' | 'shutdown' | 'requested';

export interface Failure {
  error: AppError;
  cancelReason: CancelReason;
  status: Extract<SessionRecord['status'], 'timed_out' | 'failed' | 'cancelled'>;
  outcome: Exclude<Outcome, 'delivered'>;
  /** Not one of ours: worth an error log line. */
  unexpected: boolean;
}

export interface FailedAttempt {
  aborted?: AbortReason;
  sessionId?: string;
  /** READY was seen, so what failed came after it (consume or hand-over). */
  wasReady: boolean;
  readyTimeoutMs: number;
}

export function classify(err: unknown, attempt: FailedAttempt): Failure {
  switch (attempt.aborted) {
    case 'timeout':
      return {
        error: new AppError('SESSION_TIMEOUT', `The avatar session was not ready within ${Math.round(attempt.readyTimeoutMs / 1000)} s.`, {
          retryAfter: 5,
          details: attempt.sessionId ? { sessionId: attempt.sessionId } : undefined,
        }),
        cancelReason: 'timeout',
        status: 'timed_out',
        outcome: 'timeout',
        unexpected: false,
      };
    case 'client_closed':
      return { error: new AppError('CLIENT_CLOSED_REQUEST'), cancelReason: 'client_closed', status: 'cancelled', outcome: 'client_closed', unexpected: false };
    case 'shutdown':
      return { error: new AppError('SHUTTING_DOWN', undefined, { retryAfter: 1 }), cancelReason: 'shutdown', status: 'cancelled', outcome: 'shutdown', unexpected: false };
    case 'requested':
      return {
        error: new AppError('SESSION_FAILED', 'The session was cancelled before it was ready.'),
        cancelReason: 'requested',
        status: 'cancelled',
        outcome: 'cancelled',
        unexpected: false,
      };
  }
  const afterReady: CancelReason = attempt.wasReady ? 'consume_failed' : 'error';
  if (err instanceof AppError) {
    const ended = err.code === 'SESSION_FAILED';
    return {
      error: err,
      cancelReason: ended ? 'session_ended' : afterReady,
      status: ended ? 'failed' : 'cancelled',
      outcome: ended ? 'failed' : 'error',
      unexpected: false,
    };
  }
  if (err instanceof UpstreamAbortedError) {
    return { error: new AppError('UPSTREAM_UNAVAILABLE', undefined, { cause: err }), cancelReason: afterReady, status: 'cancelled', outcome: 'error', unexpected: false };
  }
  return { error: new AppError('INTERNAL', undefined, { cause: err }), cancelReason: afterReady, status: 'cancelled', outcome: 'error', unexpected: true };
}
