import express, { Router } from 'express';
import type { Config } from '../config';
import { AppError } from '../errors';
import { requireScope } from '../http/auth';
import { clientSignal } from '../http/context';
import type { IdempotencyStore } from '../store/types';
import { fingerprint, withIdempotency } from './idempotency';
import { parse, requireJsonBody } from '../http/validate';
import type { Logger } from '../logger';
import type { RealtimeSessionsApi } from '../runway/sessions';
import type { Delivery, SessionOrchestrator } from './orchestrator';
import { planSession } from './plan';
import { ownedRecord } from './ownership';
import type { SessionRecord, SessionRegistry } from '../store/registry';
import { createSessionBody, createSessionQuery } from './schemas';

export interface SessionsRouterDeps {
  config: Config;
  orchestrator: SessionOrchestrator;
  registry: SessionRegistry;
  sessions: RealtimeSessionsApi;
  idempotency: IdempotencyStore;
  logger: Logger;
  /** Counts requests refused before any upstream call. */
  onRejected?: (code: string) => void;
}

export function sessionsRouter({ config, orchestrator, registry, sessions, idempotency, logger, onRejected }: SessionsRouterDeps): Router {
  const router = Router();
  router.use(express.json({ limit: config.JSON_BODY_LIMIT }));

  router.post('/api/avatar/session', requireScope('sessions:create'), requireJsonBody, async (req, res) => {
    const { plan, body, shape } = rejectionsCounted(onRejected, () => {
      const { shape = 'credentials' } = parse(createSessionQuery, req.query, 'query');
      if (shape === 'sessionKey' && !config.SESSION_KEY_SHAPE_ENABLED) {
        throw new AppError('INVALID_REQUEST', 'The sessionKey response shape is disabled on this broker (SESSION_KEY_SHAPE_ENABLED).');
      }
      const body = parse(createSessionBody, req.body, 'session request');
      return { plan: planSession(body, shape, req.client, config), body, shape };
    });
    const signal = clientSignal(res);
    const start = () => orchestrator.start(plan, signal);
    const key = req.get('idempotency-key');
    const delivery = key
      ? await withIdempotency(idempotency, { clientId: req.client.id, key, fingerprint: fingerprint({ body, shape }), ttlMs: config.IDEMPOTENCY_TTL_S * 1000 }, start)
      : await start();
    deliverOnce(res, signal, delivery, () => orchestrator.abandon(delivery.sessionId));
  });

  router.get('/api/avatar/session/:id', requireScope('sessions:read'), async (req, res) => {
    const record = await ownedRecord(registry, req.params.id, req.client);
    const upstreamStatus = await liveStatus(sessions, record, logger);
    res.setHeader('Cache-Control', 'no-store');
    res.json(statusView(record, upstreamStatus));
  });

  router.delete('/api/avatar/session/:id', requireScope('sessions:read'), async (req, res) => {
    const record = await ownedRecord(registry, req.params.id, req.client);
    if (record.status !== 'cancelled' && record.status !== 'ended') await orchestrator.cancel(record.id);
    res.status(204).end();
  });

  return router;
}

function rejectionsCounted<T>(onRejected: ((code: string) => void) | undefined, decide: () => T): T {
  try {
    return decide();
  } catch (err) {
    if (err instanceof AppError) onRejected?.(err.code);
    throw err;
  }
}

/**
 * Writes the credentials to this one response and nowhere else. If the client is already gone, or
 * the response never finishes, nobody will join the session, so it is cancelled rather than leaked.
 */
function deliverOnce(res: express.Response, signal: AbortSignal, delivery: Delivery, abandon: () => void): void {
  if (signal.aborted) return abandon();
  res.on('close', () => {
    if (!res.writableFinished) abandon();
  });
  res.setHeader('Cache-Control', 'no-store');
  const { shape, ...body } = delivery;
  void shape;
  res.status(200).json(body);
}

/** Runway's current status, without ever passing on the READY variant's sessionKey. */
async function liveStatus(sessions: RealtimeSessionsApi, record: SessionRecord, logger: Logger): Promise<string | null> {
  if (record.status === 'failed' || record.status === 'timed_out') return null; // never reached Runway's running states
  try {
    const upstream = await sessions.retrieve(record.id, { deadline: Date.now() + 3000 });
    return upstream.status;
  } catch (err) {
    logger.debug({ sessionId: record.id, err }, 'live status unavailable');
    return null;
  }
}

/** Non-secret facts plus every step time the broker recorded, so a page can draw the session's timeline. */
function statusView(record: SessionRecord, upstreamStatus: string | null) {
  // A warm pool (another feature) marks records it served; shown only when the record says so.
  const pooled = (record as SessionRecord & { pooled?: unknown }).pooled;
  return {
    sessionId: record.id,
    status: record.status,
    upstreamStatus,
    avatar: record.avatar,
    shape: record.shape,
    maxDuration: record.maxDuration,
    requestedAt: record.requestedAt ?? null,
    createdAt: record.createdAt,
    queuedAt: record.queuedAt ?? null,
    provisioningAt: record.provisioningAt ?? null,
    readyAt: record.readyAt ?? null,
    deliveredAt: record.deliveredAt ?? null,
    endedAt: record.endedAt ?? null,
    expiresAt: record.expiresAt ?? null,
    failureCode: record.failureCode ?? null,
    endReason: record.endReason ?? null,
    ...(typeof pooled === 'boolean' ? { pooled } : {}),
  };
}
