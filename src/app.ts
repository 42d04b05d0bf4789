import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Config } from './config';
import { anonymousPolicy, jwtPolicy, loadApiKeyClients } from './access/clients';
import { createJwtVerifier } from './access/jwt';
import { limiter } from './access/limits';
import { authenticate } from './http/auth';
import { requestId } from './http/context';
import { corsAllowlist } from './http/cors';
import { errorHandler, notFound } from './http/errors';
import { lazyRouter } from './http/lazy';
import { requestLogger } from './http/logging';
import type { Logger } from './logger';
import type { ManagementRouters } from './management';
import { healthRouter, metricsRouter } from './ops/health';
import { docsRouter } from './ops/docs';
import { createMetrics, type Metrics } from './ops/metrics';
import { UpstreamHealth } from './ops/upstream-health';
import { sessionConversationRouter } from './conversations/session-router';
import { presetsRouter } from './presets/router';
import { ConversationsApi } from './runway/conversations';
import { avatarConcurrency } from './runway/organization';
import { DEFAULT_RETRY_POLICY } from './runway/retry';
import { RealtimeSessionsApi } from './runway/sessions';
import { Upstream } from './runway/upstream';
import { SessionOrchestrator } from './sessions/orchestrator';
import { Admission } from './sessions/admission';
import { SessionEvents } from './sessions/events';
import { SessionFollower } from './sessions/follower';
import { Journal } from './sessions/journal';
import { Reaper } from './sessions/reaper';
import { WarmPool } from './sessions/pool';
import { poolSettings } from './sessions/pool-config';
import { traceSessionEnds } from './sessions/tracing';
import { tracingEnabled } from './ops/tracing';
import type { SessionRegistry } from './store/registry';
import { memoryStoresFor } from './store';
import type { Stores } from './store/types';
import { sessionsRouter } from './sessions/router';
import { RecentErrors } from './console/error-tap';
import { consoleRouter } from './console/router';
import { ConsoleView } from './console/state';
import { webPagesRouter } from './playground/router';
import { createUsage, type Usage } from './usage';
import { createWebhooks } from './webhooks';
import type { Webhooks } from './webhooks/service';
import { loadTemplatesFile, TemplateCatalog } from './templates/catalog';
import { createContextVerifier } from './templates/context';
import { templatePlanner } from './templates/start';

export interface BrokerOptions {
  config: Config;
  logger: Logger;
  /** Where Runway is: the real API or an emulator. */
  upstream: { baseURL: string; apiKey: string };
  /** Shared state; in memory unless given (main.ts passes Redis when REDIS_URL is set). */
  stores?: Stores;
  fetch?: typeof fetch;
}

export interface Broker {
  app: Express;
  orchestrator: SessionOrchestrator;
  registry: SessionRegistry;
  upstream: Upstream;
  metrics: Metrics;
  stores: Stores;
  admission: Admission;
  follower: SessionFollower;
  /** The session's life as events: metering, webhooks and tracing listen here. */
  events: SessionEvents;
  /** Metering, budgets and /api/usage (issue 13). */
  usage: Usage;
  /** Signed lifecycle webhooks (issue 13). */
  webhooks: Webhooks;
  /** READY sessions held for instant start (WARM_POOL); empty unless configured. */
  pool: WarmPool;
  /** Sizes the global cap from the organization's concurrency when GLOBAL_MAX_SESSIONS=0. */
  sizeCapacity(): Promise<number>;
  /** Sweeps the crash-safety journal for sessions dead replicas left behind. */
  reaper: Reaper;
  /** Start answering 503 SHUTTING_DOWN to new sessions (readiness fails); in-flight ones carry on. */
  beginShutdown(): void;
  /** The longest shutdown(graceMs) can take (create and cancel budgets included), for a backstop timer. */
  shutdownBudgetMs(graceMs: number): number;
  /** Stop taking sessions, finish or cancel in-flight ones, release resources. */
  shutdown(graceMs: number): Promise<void>;
}

/** Global cap when GLOBAL_MAX_SESSIONS=0 and Runway does not say (tier 4's concurrency). */
const DEFAULT_GLOBAL_CAP = 10;

const replicaIdsInUse = new Set<string>();

/** REPLICA_ID or hostname:pid; several brokers in one process (tests, benchmarks) get distinct names. */
function replicaId(configured: string | undefined): string {
  const base = configured ?? `${hostname()}:${process.pid}`;
  let id = base;
  for (let n = 2; replicaIdsInUse.has(id); n += 1) id = `${base}#${n}`;
  replicaIdsInUse.add(id);
  return id;
}

/** Assembles the broker. No listening, no signals: main.ts does that, tests use the app directly. */
export function createBroker({ config, logger, upstream: target, stores = memoryStoresFor(config), fetch }: BrokerOptions): Broker {
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
    maxConnections: config.UPSTREAM_MAX_CONNECTIONS,
  });
  const sessions = new RealtimeSessionsApi(upstream);
  const { registry } = stores;
  const sessionLogger = logger.child({ component: 'sessions' });
  const apiKeyClients = loadApiKeyClients(config);
  const usage = createUsage({ config, stores, clients: apiKeyClients, registry: metrics.registry, logger: logger.child({ component: 'usage' }) });
  const admission = new Admission(stores.admission, config.GLOBAL_MAX_SESSIONS || DEFAULT_GLOBAL_CAP, config.SESSION_READY_TIMEOUT_MS, sessionLogger, usage.gate);
  const events = new SessionEvents(sessionLogger);
  events.on((event) => usage.onEvent(event));
  const follower = new SessionFollower({ queue: stores.follow, sessions, admission, registry, logger: sessionLogger, intervalMs: config.SESSION_FOLLOW_INTERVAL_MS, events });
  metrics.trackActive(() => admission.count().catch(() => 0));
  const journal = new Journal(stores.journal, { replicaId: replicaId(config.REPLICA_ID), incarnation: randomUUID() }, sessionLogger);
  const pool = new WarmPool({
    sessions,
    admission,
    logger: sessionLogger.child({ component: 'pool' }),
    settings: poolSettings(config),
    readyTimeoutMs: config.SESSION_READY_TIMEOUT_MS,
    expectedReadyMs: config.SESSION_EXPECTED_READY_MS,
    observer: metrics.pool,
    journal,
  });
  admission.yieldSlot = () => pool.yieldSlot();
  metrics.trackPool(() => pool.state());
  metrics.trackCapacity(() => admission.globalLimit);
  const orchestrator = new SessionOrchestrator({
    sessions,
    registry,
    admission,
    follower,
    logger: sessionLogger,
    readyTimeoutMs: config.SESSION_READY_TIMEOUT_MS,
    expectedReadyMs: config.SESSION_EXPECTED_READY_MS,
    createTimeoutMs: config.UPSTREAM_CREATE_TIMEOUT_MS,
    observer: metrics.observer,
    events,
    journal,
    pool,
  });
  follower.start();
  pool.start();
  const reaper = new Reaper({
    store: stores.journal,
    journal,
    sessions,
    admission,
    follower,
    registry,
    events,
    logger: sessionLogger.child({ component: 'reaper' }),
    heartbeatTtlMs: config.REPLICA_HEARTBEAT_TTL_MS,
    intervalMs: config.REAPER_INTERVAL_MS,
    cancelBudgetMs: 15_000,
    onReaped: metrics.reaped,
    storeReady: () => stores.healthy(),
  });
  void reaper.start();
  if (tracingEnabled()) traceSessionEnds(events);
  metrics.trackHealth(async () => {
    const up = await stores.healthy().catch(() => false);
    return { ready: up && !orchestrator.isDraining, stores: { [stores.kind]: up } };
  });

  // Runway's conversations: webhooks, session transcripts and the management API (issue 4) read them.
  const conversations = new ConversationsApi(upstream);
  const webhooks = createWebhooks({ config, stores, clients: apiKeyClients, conversations, registry: metrics.registry, logger: logger.child({ component: 'webhooks' }) });
  events.on((event) => webhooks.webhooks.onSessionEvent(event));
  usage.onBudgetExceeded((event) => void webhooks.webhooks.onBudgetExceeded(event));

  const recentErrors = new RecentErrors();
  const consoleView = new ConsoleView({
    config,
    events,
    admission,
    metrics: metrics.registry,
    clients: apiKeyClients,
    errors: recentErrors,
    // Only when a pool is configured, so the console says nothing of a pool that does not exist.
    ...(config.WARM_POOL.length > 0
      ? { pool: async () => pool.state().avatars.map((a) => ({ avatarId: a.avatarId, ready: a.idle, warming: a.provisioning, target: a.target })) }
      : {}),
  });
  // Session templates (issue 16): TEMPLATES_FILE is validated here, at boot.
  const templates = new TemplateCatalog(stores.templates, loadTemplatesFile(config.TEMPLATES_FILE));

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY_HOPS);
  app.use(requestId);
  app.use(recentErrors.tap());
  app.use(requestLogger(logger));
  app.use(metrics.httpMiddleware);
  app.use(helmet());
  // Health and metrics sit before CORS, auth and limits: probes carry no credentials.
  app.use(
    healthRouter({
      draining: () => orchestrator.isDraining,
      stores: async () => ({ [stores.kind]: await stores.healthy() }),
      upstream: () => upstreamHealth.status(),
    }),
  );
  if (config.METRICS_PORT === 0) app.use(metricsRouter(metrics.registry));
  app.use(docsRouter()); // /docs, /openapi.json, /openapi.yaml: public, no credentials either
  app.use(webPagesRouter({ config, upstreamBaseURL: target.baseURL })); // /playground, /console: static shells; their API calls are authorized as usual
  app.use(corsAllowlist(config.CORS_ORIGINS));
  app.use(
    authenticate({
      keys: apiKeyClients,
      jwt: createJwtVerifier(config),
      jwtPolicy: (scopes) => jwtPolicy(config, scopes),
      anonymous: anonymousPolicy(config),
    }),
  );
  const limited = (name: 'sessions' | 'reads' | 'admin', perMinute: (req: express.Request) => number) => limiter(name, perMinute, stores, metrics.rateLimited, logger);
  app.post('/api/avatar/session', limited('sessions', (req) => req.client.policy?.ratePerMinute ?? config.ANONYMOUS_RATE_PER_MIN));
  app.use('/api/avatar/session/:id', limited('reads', () => config.READ_RATE_PER_MIN));
  app.use(['/api/avatars', '/api/documents', '/api/conversations', '/api/presets', '/api/console', '/api/pool', '/api/templates'], limited('admin', () => config.ADMIN_RATE_PER_MIN));
  app.use('/api/usage', limited('reads', () => config.READ_RATE_PER_MIN));
  app.use('/api/webhooks', limited('admin', () => config.ADMIN_RATE_PER_MIN));
  // Management routers go first: the sessions router parses every JSON body with its small limit,
  // which would refuse the avatars router's data: URIs. Each is mounted under its own prefix so its
  // admin check and body limits apply there only. Admin-only routers are built on their first
  // request (lazyRouter): a broker that only hands out sessions never loads their code.
  let management: ManagementRouters | undefined;
  const manage = () => (management ??= (require('./management') as typeof import('./management')).managementRouters(config, upstream, conversations));
  app.use('/api/avatars', lazyRouter(() => manage().knowledge));
  app.use('/api/avatars', lazyRouter(() => manage().avatars));
  app.use('/api/documents', lazyRouter(() => manage().documents));
  app.use('/api/presets', presetsRouter());
  app.use('/api/pool', lazyRouter(() => (require('./sessions/pool-router') as typeof import('./sessions/pool-router')).poolRouter({ pool })));
  app.use('/api/conversations', lazyRouter(() => manage().conversations));
  app.use('/api/usage', usage.router);
  app.use('/api/webhooks', webhooks.router);
  app.use(sessionConversationRouter({ registry, conversations }));
  app.use(consoleRouter(consoleView));
  app.use('/api/templates', lazyRouter(() => (require('./templates/router') as typeof import('./templates/router')).templatesRouter({ config, catalog: templates })));
  const planTemplate = templatePlanner({ config, catalog: templates, tokens: stores.templates, verifyContext: createContextVerifier(config) });
  app.use(sessionsRouter({ config, orchestrator, registry, sessions, idempotency: stores.idempotency, logger, onRejected: metrics.rejected, templates: planTemplate }));
  app.use(notFound);
  app.use(errorHandler(logger));

  return {
    app,
    orchestrator,
    registry,
    upstream,
    metrics,
    stores,
    admission,
    follower,
    events,
    usage,
    webhooks: webhooks.webhooks,
    pool,
    async sizeCapacity() {
      if (config.GLOBAL_MAX_SESSIONS > 0) return admission.globalLimit;
      try {
        const limit = await avatarConcurrency(upstream);
        if (limit !== undefined) admission.globalLimit = limit;
      } catch (err) {
        logger.warn({ err: String(err) }, `could not read the organization's concurrency; global cap stays ${admission.globalLimit}`);
      }
      return admission.globalLimit;
    },
    reaper,
    beginShutdown() {
      orchestrator.refuseNew();
    },
    shutdownBudgetMs: (graceMs) => orchestrator.shutdownBudgetMs(graceMs),
    async shutdown(graceMs) {
      follower.stop();
      await orchestrator.drain(graceMs);
      // Whatever is still journaled (a cancel that failed) becomes the other replicas' at once.
      await reaper.stop({ retire: true });
      await webhooks.close();
      await stores.close();
    },
  };
}
