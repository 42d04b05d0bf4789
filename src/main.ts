import './ops/compile-cache'; // first: every module after it is compiled once, then read from the cache
import './ops/tracing-preload'; // next: instruments http, express, undici and ioredis before they load
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import express from 'express';
import { ClientsError, loadApiKeyClients } from './access/clients';
import { createBroker, type Broker } from './app';
import { ConfigError, describeConfig, loadConfig, type Config } from './config';
import type { EmulatorHandle } from './emulator';
import { createLogger, type Logger } from './logger';
import { metricsRouter } from './ops/health';
import { createStores } from './store';
import { webhookEndpoints } from './webhooks';
import { loadTemplatesFile, TemplatesFileError } from './templates/catalog';

async function main(): Promise<void> {
  const config = loadOrExit();
  failBootOn(() => loadApiKeyClients(config)); // a broken clients file is a config error, found before anything starts
  failBootOn(() => webhookEndpoints(config, loadApiKeyClients(config))); // so is a webhook URL that could reach the internal network
  failBootOn(() => loadTemplatesFile(config.TEMPLATES_FILE)); // so is a broken templates file
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });

  const emulator = config.upstreamMode === 'emulator' ? await startEmbeddedEmulator(config, logger) : undefined;
  const upstream = emulator
    ? { baseURL: emulator.url, apiKey: emulator.apiKey ?? 'emulator' }
    : { baseURL: config.RUNWAYML_BASE_URL, apiKey: config.RUNWAYML_API_SECRET as string };
  // What is actually in use, and only the settings someone chose (or the development defaults).
  logger.info(
    { upstream: emulator ? `embedded emulator ${emulator.url}` : upstream.baseURL, key: keyState(config), settings: describeConfig(config) },
    'starting characters-broker',
  );

  const stores = createStores(config, logger); // Redis when REDIS_URL is set, else memory
  const broker = failBootOn(() => createBroker({ config, logger, upstream, stores })); // WARM_POOL ids are checked here
  logger.info({ globalMaxSessions: await broker.sizeCapacity() }, 'global session cap set');
  const server = await listen(broker.app, config.PORT, config.HOST, config);
  const metricsServer = config.METRICS_PORT ? await listen(metricsApp(broker), config.METRICS_PORT, config.HOST, config) : undefined;
  logger.info({ port: config.PORT, host: config.HOST, upstream: emulator ? 'embedded emulator' : upstream.baseURL }, 'broker listening');

  onShutdownSignal(logger, config, broker, {
    // While draining, answers ask clients not to reuse the connection: their next request opens a
    // new one, which the load balancer sends to another replica.
    refuseNew: () => {
      broker.beginShutdown();
      server.on('request', (_req, res) => res.setHeader('Connection', 'close'));
    },
    stop: async () => {
      server.close();
      metricsServer?.close();
      server.closeIdleConnections();
      await broker.shutdown(config.SHUTDOWN_GRACE_MS);
      server.closeAllConnections();
      metricsServer?.closeAllConnections();
      await emulator?.close();
    },
  });
}

function keyState(config: Config): string {
  if (!config.RUNWAYML_API_SECRET) return 'not set';
  return config.upstreamMode === 'live' ? 'set' : 'set, unused (RUNWAY_MODE=emulator)';
}

function loadOrExit(): Config {
  return failBootOn(() => loadConfig());
}

function failBootOn<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ClientsError || err instanceof TemplatesFileError) {
      process.stderr.write(`characters-broker: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

async function startEmbeddedEmulator(config: Config, logger: Logger): Promise<EmulatorHandle> {
  // Loaded here, not at the top: a live broker never pays for the emulator's code (~30 MB).
  const { startEmulator } = require('./emulator') as typeof import('./emulator');
  const apiKey = `emu_${randomBytes(16).toString('hex')}`;
  // Its per-request lines would double the broker's own; they show when debugging.
  const verbose = config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace';
  const emulator = await startEmulator({
    port: config.EMULATOR_EMBEDDED_PORT,
    // Random seed: ids must not repeat across restarts (the emulator's fixed default is for tests).
    settings: { apiKey, seed: Math.floor(Math.random() * 2 ** 31) },
    logger: logger.child({ component: 'emulator' }, { level: verbose ? config.LOG_LEVEL : 'warn' }),
  });
  const banner = [
    '',
    '==================================================================',
    '  NO RUNWAY KEY: running on the built-in Runway EMULATOR.',
    '  No real Runway calls are made; avatars have no video or voice.',
    '  Set RUNWAYML_API_SECRET to use the real Runway API.',
    `  Emulator: ${emulator.url} (control API under /__emulator/)`,
    `  Runway key: ${keyState(config)}`,
    '==================================================================',
    '',
  ].join('\n');
  process.stderr.write(banner);
  return emulator;
}

/** /metrics alone, for an internal port that the load balancer does not expose. */
function metricsApp(broker: Broker): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRouter(broker.metrics.registry));
  return app;
}

/** Server timeouts from the configuration (Node's own defaults let a slow body hold a socket 5 minutes). */
function listen(app: express.Express, port: number, host: string, config: Config): Promise<Server> {
  const server = createServer(
    {
      keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
      // Node checks the two timeouts on this interval (30 s by default), which would let a slow
      // client overstay a short HTTP_HEADERS_TIMEOUT_MS by up to 30 s.
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(config.HTTP_HEADERS_TIMEOUT_MS / 10))),
    },
    app,
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

interface Stopper {
  /** Readiness 503 and new sessions 503 SHUTTING_DOWN; the listener keeps accepting. */
  refuseNew(): void;
  /** Close the listener, drain in-flight work, release everything. */
  stop(): Promise<void>;
}

/**
 * SIGTERM/SIGINT: fail readiness first and keep accepting for SHUTDOWN_DRAIN_DELAY_MS (load balancers
 * and Kubernetes endpoints need that long to stop routing here), then close and drain. A second
 * signal skips the rest of the delay. The backstop timer covers the delay plus the worst case of the
 * drain (grace, then the create and cancel budgets), so it never cuts off a cancel that is in budget.
 */
function onShutdownSignal(logger: Logger, config: Config, broker: Broker, stopper: Stopper): void {
  let stopping = false;
  let skipDelay: (() => void) | undefined;
  const shutdown = (signal: string, delayMs: number) => {
    if (stopping) {
      skipDelay?.();
      return;
    }
    stopping = true;
    const backstopMs = delayMs + broker.shutdownBudgetMs(config.SHUTDOWN_GRACE_MS) + 5000;
    logger.info({ signal, drainDelayMs: delayMs, graceMs: config.SHUTDOWN_GRACE_MS, backstopMs }, 'shutting down');
    const backstop = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, backstopMs);
    backstop.unref();
    stopper.refuseNew();
    const delay = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      skipDelay = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    delay
      .then(() => {
        if (delayMs > 0) logger.info('drain delay over; closing the listener');
        return stopper.stop();
      })
      .then(
        () => {
          logger.info('shutdown complete');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM', config.SHUTDOWN_DRAIN_DELAY_MS));
  process.on('SIGINT', () => shutdown('SIGINT', config.SHUTDOWN_DRAIN_DELAY_MS));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; shutting down');
    shutdown('uncaughtException', 0);
  });
}

void main();
