import './ops/tracing-preload'; // first: instruments http, express, undici and ioredis before they load
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import { ClientsError, loadApiKeyClients } from './access/clients';
import { createBroker } from './app';
import { ConfigError, describeConfig, loadConfig, type Config } from './config';
import { startEmulator, type EmulatorHandle } from './emulator';
import { createLogger, type Logger } from './logger';
import { metricsRouter } from './ops/health';
import { createStores } from './store';

async function main(): Promise<void> {
  const config = loadOrExit();
  failBootOn(() => loadApiKeyClients(config)); // a broken clients file is a config error, found before anything starts
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
  logger.info({ config: describeConfig(config) }, 'starting characters-broker');

  const emulator = config.upstreamMode === 'emulator' ? await startEmbeddedEmulator(config, logger) : undefined;
  const upstream = emulator
    ? { baseURL: emulator.url, apiKey: emulator.apiKey ?? 'emulator' }
    : { baseURL: config.RUNWAYML_BASE_URL, apiKey: config.RUNWAYML_API_SECRET as string };

  const stores = createStores(config, logger); // Redis when REDIS_URL is set, else memory
  const broker = createBroker({ config, logger, upstream, stores });
  logger.info({ globalMaxSessions: await broker.sizeCapacity() }, 'global session cap set');
  const server = await listen(broker.app, config.PORT, config.HOST);
  const metricsServer = config.METRICS_PORT ? await listen(metricsApp(broker), config.METRICS_PORT, config.HOST) : undefined;
  logger.info({ port: config.PORT, host: config.HOST, upstream: emulator ? 'embedded emulator' : upstream.baseURL }, 'broker listening');

  onShutdownSignal(logger, config, async () => {
    server.close();
    metricsServer?.close();
    await broker.shutdown(config.SHUTDOWN_GRACE_MS);
    server.closeAllConnections();
    await emulator?.close();
  });
}

function loadOrExit(): Config {
  return failBootOn(() => loadConfig());
}

function failBootOn<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ClientsError) {
      process.stderr.write(`characters-broker: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

async function startEmbeddedEmulator(config: Config, logger: Logger): Promise<EmulatorHandle> {
  const apiKey = `emu_${randomBytes(16).toString('hex')}`;
  const emulator = await startEmulator({
    port: config.EMULATOR_EMBEDDED_PORT,
    // Random seed: ids must not repeat across restarts (the emulator's fixed default is for tests).
    settings: { apiKey, seed: Math.floor(Math.random() * 2 ** 31) },
    logger: logger.child({ component: 'emulator' }),
  });
  const banner = [
    '',
    '==================================================================',
    '  NO RUNWAY KEY: running on the built-in Runway EMULATOR.',
    '  No real Runway calls are made; avatars have no video or voice.',
    '  Set RUNWAYML_API_SECRET to use the real Runway API.',
    `  Emulator: ${emulator.url} (control API under /__emulator/)`,
    '==================================================================',
    '',
  ].join('\n');
  process.stderr.write(banner);
  logger.warn({ emulator: emulator.url }, 'running on the built-in Runway emulator; no real Runway calls are made');
  return emulator;
}

/** /metrics alone, for an internal port that the load balancer does not expose. */
function metricsApp(broker: ReturnType<typeof createBroker>): import('express').Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRouter(broker.metrics.registry));
  return app;
}

function listen(app: import('express').Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
    server.on('error', reject);
  });
}

/** SIGTERM/SIGINT: drain gracefully, with a hard timer as backstop. Errors are handled in one place. */
function onShutdownSignal(logger: Logger, config: Config, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, 'shutting down');
    const backstop = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + 5000);
    backstop.unref();
    stop().then(
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
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; shutting down');
    shutdown('uncaughtException');
  });
}

void main();
