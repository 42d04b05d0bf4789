import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Config } from './config';
import { adminKeys, authenticate } from './http/auth';
import { requestId } from './http/context';
import { corsAllowlist } from './http/cors';
import { errorHandler, notFound } from './http/errors';
import { requestLogger } from './http/logging';
import type { Logger } from './logger';
import { healthRouter, metricsRouter } from './ops/health';
import { createMetrics, type Metrics } from './ops/metrics';
import { UpstreamHealth } from './ops/upstream-health';
import { avatarsRouter } from './avatars/router';
import { conversationsRouter } from './conversations/router';
import { sessionConversationRouter } from './conversations/session-router';
import { Knowledge } from './documents/knowledge';
import { knowledgeRouter } from './documents/knowledge-router';
import { documentsRouter } from './documents/router';
import { presetsRouter } from './presets/router';
import { AvatarsApi } from './runway/avatars';
import { ConversationsApi } from './runway/conversations';
import { DocumentsApi } from './runway/documents';
import { UploadsApi } from './runway/uploads';
import { DEFAULT_RETRY_POLICY } from './runway/retry';
import { RealtimeSessionsApi } from './runway/sessions';
import { Upstream } from './runway/upstream';
import { SessionOrchestrator } from './sessions/orchestrator';
import { MemorySessionRegistry, type SessionRegistry } from './sessions/registry';
import { sessionsRouter } from './sessions/router';

export interface BrokerOptions {
  config: Config;
  logger: Logger;
  /** Where Runway is: the real API or an emulator. */
  upstream: { baseURL: string; apiKey: string };
  fetch?: typeof fetch;
}

export interface Broker {
  app: Express;
  orchestrator: SessionOrchestrator;
  registry: SessionRegistry;
  upstream: Upstream;
  metrics: Metrics;
  /** Stop taking sessions, finish or cancel in-flight ones, release resources. */
  shutdown(graceMs: number): Promise<void>;
}

/** Assembles the broker. No listening, no signals: main.ts does that, tests use the app directly. */
export function createBroker({ config, logger, upstream: target, fetch }: BrokerOptions): Broker {
  const metrics = createMetrics();
  const upstreamHealth = new UpstreamHealth();
  const upstream = new Upstream({
    apiKey: target.apiKey,
    baseURL: target.baseURL,
    attemptTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    retry: { ...DEFAULT_RETRY_POLICY, retries: config.UPSTREAM_MAX_RETRIES },
    logger: logger.child({ component: 'upstream' }),
    onAttempt: (op, status, ms) => {
      metrics.upstreamAttempt(op, status, ms);
      upstreamHealth.record(status);
    },
    fetch,
  });
  const sessions = new RealtimeSessionsApi(upstream);
  const registry = new MemorySessionRegistry(config.SESSION_RECORD_TTL_S * 1000);
  const orchestrator = new SessionOrchestrator({
    sessions,
    registry,
    logger: logger.child({ component: 'sessions' }),
    readyTimeoutMs: config.SESSION_READY_TIMEOUT_MS,
    expectedReadyMs: config.SESSION_EXPECTED_READY_MS,
    observer: metrics.observer,
  });

  // Management API (issue 4): admin routes over Runway's avatars, documents and conversations.
  const avatars = new AvatarsApi(upstream);
  const documents = new DocumentsApi(upstream);
  const conversations = new ConversationsApi(upstream);
  const knowledge = new Knowledge({ avatars, documents, tokenBudget: config.KNOWLEDGE_TOKEN_BUDGET });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY_HOPS);
  app.use(requestId);
  app.use(requestLogger(logger));
  app.use(metrics.httpMiddleware);
  app.use(helmet());
  // Health and metrics sit before CORS, auth and limits: probes carry no credentials.
  app.use(healthRouter({ draining: () => orchestrator.isDraining, upstream: () => upstreamHealth.status() }));
  if (config.METRICS_PORT === 0) app.use(metricsRouter(metrics.registry));
  app.use(corsAllowlist(config.CORS_ORIGINS));
  app.use(authenticate(adminKeys(config.ADMIN_API_KEYS)));
  // Management routers go first: the sessions router parses every JSON body with its small limit,
  // which would refuse the avatars router's data: URIs. Each is mounted under its own prefix so its
  // admin check and body limits apply there only.
  app.use('/api/avatars', knowledgeRouter({ config, knowledge }));
  app.use('/api/avatars', avatarsRouter({ config, avatars, uploads: new UploadsApi(upstream), knowledge }));
  app.use('/api/documents', documentsRouter({ config, documents, knowledge }));
  app.use('/api/presets', presetsRouter());
  app.use('/api/conversations', conversationsRouter({ conversations }));
  app.use(sessionConversationRouter({ registry, conversations }));
  app.use(sessionsRouter({ config, orchestrator, registry, sessions, logger, onRejected: metrics.rejected }));
  app.use(notFound);
  app.use(errorHandler(logger));

  return {
    app,
    orchestrator,
    registry,
    upstream,
    metrics,
    async shutdown(graceMs) {
      await orchestrator.drain(graceMs);
      await registry.close();
    },
  };
}
