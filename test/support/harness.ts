import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBroker, type Broker } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import type { Logger } from '../../src/logger';
import type { Stores } from '../../src/store/types';
import { startEmulator, type EmulatorHandle, type EmulatorSettings } from '../../src/emulator';
import { capturingLogger } from './silent-logger';

export const EMULATOR_KEY = 'key_test_emulator_secret_0123456789';

/** An upstream request as the broker sent it (JSON bodies parsed). */
export interface SentRequest {
  method: string;
  path: string;
  /** The query string without '?', '' when none. */
  query: string;
  body: unknown;
}

/** The one fast emulator preset: sessions READY in 20 ms, avatars and voices processed in tens of ms. */
export const FAST_EMULATOR: Partial<EmulatorSettings> = {
  readiness: { kind: 'fixed', ms: 20 },
  avatarProcessingMs: 30,
  voiceProcessingMs: 20,
  durationScale: 0.001,
};

export interface Harness {
  broker: Broker;
  emulator: EmulatorHandle;
  app: Broker['app'];
  logs: ReturnType<typeof capturingLogger>;
  /** Every request the broker sent upstream, in order (only with `recordUpstream`). */
  sent: SentRequest[];
  /** Listens on a loopback port (for tests that need a real socket) and returns its origin. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Shared state for the broker (default: in memory), e.g. Redis-backed stores; closed with the broker. */
  stores?: (config: Config, logger: Logger) => Stores;
  /** Another harness's emulator, so several brokers talk to one Runway; not closed by this harness. */
  emulator?: EmulatorHandle;
  /**
   * Record every upstream request in `sent` (through an injected fetch). Off by default, so the
   * broker talks upstream through its own pooled transport, as in production.
   */
  recordUpstream?: boolean;
}

/** A real broker wired to a real emulator, as in production but on loopback. */
export async function startHarness(
  env: Record<string, string> = {},
  settings: Partial<EmulatorSettings> = {},
  options: HarnessOptions = {},
): Promise<Harness> {
  const ownEmulator = !options.emulator;
  const emulator =
    options.emulator ??
    (await startEmulator({
      settings: { apiKey: EMULATOR_KEY, readiness: { kind: 'fixed', ms: 50 }, concurrencyLimit: 1000, avatarProcessingMs: 0, ...settings },
    }));
  const logs = capturingLogger('debug');
  // Limits are generous unless a test is about limits (see access-control tests).
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    RUNWAY_MODE: 'emulator',
    ANONYMOUS_RATE_PER_MIN: '100000',
    ANONYMOUS_MAX_CONCURRENT: '10000',
    CLIENT_RATE_PER_MIN: '100000',
    READ_RATE_PER_MIN: '100000',
    GLOBAL_MAX_SESSIONS: '10000',
    ...env,
  });
  const stores = options.stores?.(config, logs.logger);
  const sent: SentRequest[] = [];
  const broker = createBroker({
    config,
    logger: logs.logger,
    upstream: { baseURL: emulator.url, apiKey: EMULATOR_KEY },
    ...(options.recordUpstream ? { fetch: recording(sent) } : {}),
    ...(stores ? { stores } : {}),
  });
  let server: Server | undefined;
  return {
    broker,
    emulator,
    app: broker.app,
    logs,
    sent,
    listen: () =>
      new Promise((resolve) => {
        server = broker.app.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}`));
      }),
    async close() {
      await broker.shutdown(0);
      if (server) {
        server.closeAllConnections();
        await new Promise((resolve) => server!.close(resolve));
      }
      if (ownEmulator) await emulator.close();
    },
  };
}

/** Polls until the predicate (sync or async; a throw counts as "not yet") holds: the one way tests wait. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 3000, describe?: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(predicate).catch(() => false))) {
    if (Date.now() > until) throw new Error(`condition not met in time${describe ? `: ${describe()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A fetch that records what the broker sends upstream, then sends it. */
function recording(sent: SentRequest[]): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    let body: unknown = init?.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // keep the text
      }
    }
    sent.push({ method: (init?.method ?? 'GET').toUpperCase(), path: url.pathname, query: url.search.replace(/^\?/, ''), body });
    return globalThis.fetch(input, init);
  };
}

export const sessionOf = (emulator: EmulatorHandle, id: string) => {
  const found = emulator.ledger().sessions.find((s) => s.id === id);
  if (!found) throw new Error(`emulator never saw session ${id}`);
  return found;
};
