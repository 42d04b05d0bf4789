import type { Express } from 'express';
import { createBroker, type Broker } from '../../src/app';
import { loadConfig } from '../../src/config';
import { startEmulator, type EmulatorHandle, type EmulatorSettings } from '../../src/emulator';
import { silentLogger } from './silent-logger';

export const ADMIN_KEY = 'admin-key-for-tests';
export const ADMIN = { Authorization: `Bearer ${ADMIN_KEY}` };

/** Avatars finish processing in 30 ms, so tests can wait for READY quickly. */
export const FAST_EMULATOR: Partial<EmulatorSettings> = {
  readiness: { kind: 'fixed', ms: 20 },
  avatarProcessingMs: 30,
  voiceProcessingMs: 20,
  durationScale: 0.001,
};

/** An upstream request as the broker sent it (JSON bodies parsed). */
export interface SentRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface ManagementWorld {
  emulator: EmulatorHandle;
  broker: Broker;
  app: Express;
  /** Every request the broker sent upstream, in order. */
  sent: SentRequest[];
  close(): Promise<void>;
}

/** The broker app wired to a real in-process emulator, with an admin key configured. */
export async function startManagement(
  options: { emulator?: Partial<EmulatorSettings>; env?: Record<string, string> } = {},
): Promise<ManagementWorld> {
  const emulator = await startEmulator({ settings: { ...FAST_EMULATOR, ...options.emulator } });
  const config = loadConfig({
    NODE_ENV: 'test',
    RUNWAY_MODE: 'emulator',
    ADMIN_API_KEYS: `ops:${ADMIN_KEY}`,
    UPSTREAM_MAX_RETRIES: '1',
    // Tests make many requests quickly; rate limits are not what they test.
    ADMIN_RATE_PER_MIN: '100000',
    READ_RATE_PER_MIN: '100000',
    ANONYMOUS_RATE_PER_MIN: '100000',
    ANONYMOUS_MAX_CONCURRENT: '1000',
    CLIENT_RATE_PER_MIN: '100000',
    CLIENT_MAX_CONCURRENT: '1000',
    GLOBAL_MAX_SESSIONS: '1000',
    ...options.env,
  });
  const sent: SentRequest[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    let body: unknown = init?.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // keep the text
      }
    }
    sent.push({ method: (init?.method ?? 'GET').toUpperCase(), path: url.pathname, body });
    return globalThis.fetch(input, init);
  };
  const broker = createBroker({ config, logger: silentLogger, upstream: { baseURL: emulator.url, apiKey: 'x' }, fetch: recordingFetch });
  return {
    emulator,
    broker,
    app: broker.app,
    sent,
    async close() {
      await broker.shutdown(0);
      await emulator.close();
    },
  };
}

/** Upstream requests the emulator received for one operation, e.g. 'avatars.create'. */
export const upstreamCalls = (emulator: EmulatorHandle, operation: string): number => emulator.ledger().requests[operation] ?? 0;

/** Upstream requests matching a method and path pattern. */
export const sentTo = (world: ManagementWorld, method: string, path: RegExp): SentRequest[] =>
  world.sent.filter((r) => r.method === method && path.test(r.path));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A tiny but real PNG (1×1), JPEG and WebP header, enough for magic-byte checks. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
export const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01]);
export const WEBP_HEAD = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(16)]);
export const pngDataUri = () => `data:image/png;base64,${PNG_1X1.toString('base64')}`;
