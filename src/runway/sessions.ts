import type {
  RealtimeSessionCreateParams,
  RealtimeSessionRetrieveResponse,
} from '@runwayml/sdk/resources/realtime-sessions';
import { z } from 'zod';
import { AppError } from '../errors';
import { upstreamStatus } from './errors';
import { checked, createdSession, retrievedSession } from './shapes';
import type { CallOptions, Upstream } from './upstream';

export type UpstreamSession = RealtimeSessionRetrieveResponse;
export type SessionCreateParams = RealtimeSessionCreateParams;

/** What Runway's consume returns: LiveKit connection details, usable exactly once. */
export interface LiveKitCredentials {
  url: string;
  token: string;
  roomName: string;
}

const consumeResponse = z.object({
  url: z.string().regex(/^(wss?|https?):\/\//),
  token: z.string().min(1),
  roomName: z.string().min(1),
});

const COLLECTION = '/v1/realtime_sessions';
const sessionPath = (id: string) => `${COLLECTION}/${encodeURIComponent(id)}`;

export const TERMINAL_STATUSES = new Set<UpstreamSession['status']>(['COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * Runway's realtime-session operations, as the broker needs them: the same requests the SDK sends,
 * on the upstream's lean JSON path (the SDK's fetch cost ~1.5 ms more CPU per delivered session).
 */
export class RealtimeSessionsApi {
  constructor(private readonly upstream: Upstream) {}

  /** Never retried: a repeated POST would start a second billable session. */
  create(params: SessionCreateParams, options: CallOptions = {}): Promise<{ id: string }> {
    return this.upstream.once(
      'sessions.create',
      (ctx) => this.upstream.json({ method: 'POST', path: COLLECTION, body: params, ...ctx }) as Promise<{ id: string }>,
      { what: 'creating the session', ...options },
    ).then((created) => this.checked(createdSession, created, 'creating the session', 'sessions.create'));
  }

  /** The poll: the call made most. */
  retrieve(id: string, options: CallOptions = {}): Promise<UpstreamSession> {
    return this.upstream.idempotent(
      'sessions.retrieve',
      (ctx) => this.upstream.json({ method: 'GET', path: sessionPath(id), ...ctx }) as Promise<UpstreamSession>,
      { what: 'checking the session', ...options },
    ).then((session) => this.checked(retrievedSession, session, 'checking the session', 'sessions.retrieve'));
  }

  /**
   * Cancels the session. A 4xx other than 408/429 means Runway no longer holds it open (already
   * terminal or unknown), which is what we wanted, so it counts as done.
   */
  async cancel(id: string, options: CallOptions = {}): Promise<'cancelled' | 'already-ended'> {
    try {
      await this.upstream.idempotent(
        'sessions.cancel',
        async (ctx) => {
          try {
            await this.upstream.json({ method: 'DELETE', path: sessionPath(id), ...ctx });
          } catch (err) {
            const status = upstreamStatus(err);
            if (status >= 400 && status < 500 && status !== 408 && status !== 429) throw new AlreadyEnded();
            throw err;
          }
        },
        { what: 'cancelling the session', ...options },
      );
      return 'cancelled';
    } catch (err) {
      if (err instanceof AlreadyEnded || (err instanceof AppError && err.cause instanceof AlreadyEnded)) return 'already-ended';
      throw err;
    }
  }

  /**
   * Exchanges the one-time sessionKey for LiveKit credentials. Not in the SDK; authenticated with
   * the sessionKey, not the API key. Never retried: the key works once, and a retry after a lost
   * response would burn the session without delivering anything.
   */
  consume(id: string, sessionKey: string, options: CallOptions = {}): Promise<LiveKitCredentials> {
    const path = `${sessionPath(id)}/consume`;
    return this.upstream.once(
      'sessions.consume',
      async (ctx) => {
        const body = await this.upstream.json({ method: 'POST', path, bearer: sessionKey, ...ctx });
        const parsed = consumeResponse.safeParse(body);
        if (!parsed.success) throw new AppError('UPSTREAM_INVALID_RESPONSE', 'Runway returned malformed session credentials.');
        return parsed.data;
      },
      { what: 'consuming the session credentials', ...options },
    );
  }

  private checked<T>(schema: Parameters<typeof checked>[0], value: T, what: string, op: string): T {
    return checked(schema, value, what, { logger: this.upstream.options.logger, op });
  }
}

class AlreadyEnded extends Error {}
