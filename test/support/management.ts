import type { EmulatorHandle, EmulatorSettings } from '../../src/emulator';
import { FAST_EMULATOR, startHarness, type Harness, type SentRequest } from './harness';

// The management tests' view of the one test world (harness.ts): an admin key, fast avatar
// processing, one upstream retry.

export { FAST_EMULATOR, type SentRequest };

export const ADMIN_KEY = 'admin-key-for-tests';
export const ADMIN = { Authorization: `Bearer ${ADMIN_KEY}` };

export type ManagementWorld = Harness;

/** The broker app wired to a real in-process emulator, with an admin key configured. */
export function startManagement(options: { emulator?: Partial<EmulatorSettings>; env?: Record<string, string> } = {}): Promise<ManagementWorld> {
  return startHarness(
    {
      ADMIN_API_KEYS: `ops:${ADMIN_KEY}`,
      UPSTREAM_MAX_RETRIES: '1',
      ADMIN_RATE_PER_MIN: '100000',
      CLIENT_MAX_CONCURRENT: '1000',
      GLOBAL_MAX_SESSIONS: '1000',
      ...options.env,
    },
    // The emulator accepts any key here: some tests call it directly with the SDK.
    { ...FAST_EMULATOR, apiKey: null, ...options.emulator },
    { recordUpstream: true },
  );
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
