// Pure pieces: seeded randomness, readiness distributions, settings merge and env mapping.
import { defaultSettings, envName, settingsFromEnv } from '../../src/emulator';
import { mulberry32, Random } from '../../src/emulator/random';
import { deepMerge, mergeSettings } from '../../src/emulator/settings';
import { createSession, sdk, start, waitFor } from './helpers';

test('mulberry32 is deterministic and in [0, 1)', () => {
  const a = mulberry32(7);
  const b = mulberry32(7);
  const xs = Array.from({ length: 1000 }, () => a());
  expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
  expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
  expect(Math.max(...xs)).toBeLessThan(1);
  expect(mulberry32(8)()).not.toBe(xs[0]);
});

test('lognormal median ≈ medianMs (Box-Muller), uuids are v4', () => {
  const r = new Random(3, 'timing');
  const xs = Array.from({ length: 4001 }, () => r.lognormal(1000, 0.5)).sort((x, y) => x - y);
  expect(xs[2000]).toBeGreaterThan(930);
  expect(xs[2000]).toBeLessThan(1070);
  expect(new Random(1).uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test.each([
  [{ kind: 'uniform', minMs: 10, maxMs: 40 }, 10, 40],
  [{ kind: 'lognormal', medianMs: 20, sigma: 0.3 }, 5, 80],
] as const)('readiness %j drives readyAt - createdAt', async (readiness, lo, hi) => {
  const em = await start({ readiness, concurrencyLimit: 20 });
  const client = sdk(em);
  for (let i = 0; i < 6; i++) await createSession(client);
  await waitFor(() => em.ledger().sessions.every((s) => s.readyAt !== null));
  const delays = em.ledger().sessions.map((s) => s.readyAt! - s.createdAt);
  await em.close();
  for (const d of delays) {
    expect(d).toBeGreaterThanOrEqual(lo - 2);
    expect(d).toBeLessThan(hi + 150); // timers may fire late on a busy machine
  }
  expect(new Set(delays).size).toBeGreaterThan(1);
});

test('deepMerge replaces readiness when kind changes and merges otherwise', () => {
  const base = defaultSettings();
  expect(deepMerge(base, { readiness: { kind: 'uniform', minMs: 1, maxMs: 2 } })).toMatchObject({ readiness: { kind: 'uniform', minMs: 1, maxMs: 2 } });
  expect((deepMerge(base, { readiness: { kind: 'uniform', minMs: 1, maxMs: 2 } }) as any).readiness).not.toHaveProperty('ms');
  expect(mergeSettings(base, { readiness: { ms: 5 } } as never).readiness).toEqual({ kind: 'fixed', ms: 5 });
  expect(() => mergeSettings(base, { readiness: { kind: 'uniform', minMs: 5, maxMs: 1 } })).toThrow();
});

test('env mapping: EMULATOR_* names, types, null and readiness shorthands', () => {
  expect(envName('sessionKeyTtlMs')).toBe('EMULATOR_SESSION_KEY_TTL_MS');
  const patch = settingsFromEnv({
    EMULATOR_API_KEY: 'key_abc',
    EMULATOR_CONCURRENCY_LIMIT: '3',
    EMULATOR_OVER_CONCURRENCY: '429',
    EMULATOR_REQUIRE_VERSION_HEADER: 'false',
    EMULATOR_MAX_DURATION_CAP: 'null',
    EMULATOR_READINESS: 'lognormal:1500:0.4',
    EMULATOR_SECOND_CONSUME_STATUS: '410',
  });
  const merged = mergeSettings(defaultSettings(), patch);
  expect(merged).toMatchObject({
    apiKey: 'key_abc',
    concurrencyLimit: 3,
    overConcurrency: '429',
    requireVersionHeader: false,
    maxDurationCap: null,
    readiness: { kind: 'lognormal', medianMs: 1500, sigma: 0.4 },
    secondConsumeStatus: 410,
  });
  expect(mergeSettings(defaultSettings(), settingsFromEnv({ EMULATOR_READINESS_MS: '250' })).readiness).toEqual({ kind: 'fixed', ms: 250 });
  expect(() => mergeSettings(defaultSettings(), settingsFromEnv({ EMULATOR_SECOND_CONSUME_STATUS: '418' }))).toThrow(/secondConsumeStatus/);
});

test('startEmulator validates settings', async () => {
  await expect(start({ concurrencyLimit: -1 })).rejects.toThrow(/concurrencyLimit/);
});
