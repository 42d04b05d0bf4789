// Emulator knobs: defaults, validation, deep merge, and the EMULATOR_* environment mapping.
import { z } from 'zod';

const readinessSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), ms: z.number().min(0) }),
  z
    .strictObject({ kind: z.literal('uniform'), minMs: z.number().min(0), maxMs: z.number().min(0) })
    .refine((r) => r.maxMs >= r.minMs, { message: 'maxMs must be >= minMs' }),
  z.strictObject({ kind: z.literal('lognormal'), medianMs: z.number().min(0), sigma: z.number().min(0) }),
]);

const probability = z.number().min(0).max(1);
const ms = z.number().min(0);

export const settingsSchema = z.strictObject({
  /** The Bearer key API routes require; null accepts any non-empty key. */
  apiKey: z.string().min(1).nullable(),
  /** Seeds every random choice (ids, delays, failures, fault probabilities). */
  seed: z.number().int(),
  /** Base URL returned by consume as `url` (e.g. wss://emulator.example/livekit); null = ws://<request host>/livekit. */
  publicUrl: z.string().url().nullable(),

  readiness: readinessSchema,
  concurrencyLimit: z.number().int().min(1),
  overConcurrency: z.enum(['queue', '429']),
  /** Probability that provisioning ends in FAILED instead of READY. */
  failureRate: probability,
  failureCode: z.string().min(1),
  failureMessage: z.string().min(1),
  sessionKeyTtlMs: ms,
  /** Multiplies real session run time: 0.001 makes a 300 s session last 300 ms. */
  durationScale: z.number().positive(),
  /** What a READY session that is never consumed becomes at expiresAt. */
  expiredSessionStatus: z.enum(['FAILED', 'COMPLETED']),
  expiredFailureCode: z.string().min(1),

  avatarProcessingMs: ms,
  avatarFailureRate: probability,
  avatarFailureReason: z.string().min(1),
  voiceProcessingMs: ms,
  uploadTtlMs: ms,
  creditBalance: z.number().min(0),

  // Unverified upstream behaviours (reference §16), one toggle each.
  secondConsumeStatus: z.union([z.literal(400), z.literal(409), z.literal(410)]),
  consumeAfterExpiryStatus: z.union([z.literal(400), z.literal(401), z.literal(404), z.literal(409), z.literal(410)]),
  deleteTerminalStatus: z.union([z.literal(204), z.literal(400), z.literal(404), z.literal(409)]),
  deleteReadyStatus: z.union([z.literal(204), z.literal(400), z.literal(409)]),
  unknownAvatarStatus: z.union([z.literal(400), z.literal(404)]),
  malformedIdStatus: z.union([z.literal(400), z.literal(404)]),
  requireVersionHeader: z.boolean(),
  /** Effective session length cap in seconds; null honours the requested maxDuration. */
  maxDurationCap: z.number().int().min(10).nullable(),
  presetPersonaOverride: z.enum(['applied', 'rejected', 'ignored']),
  /** Knowledge tokens allowed per avatar (≈ chars / 4); null = not enforced. */
  knowledgeTokenLimit: z.number().int().min(1).nullable(),
  outOfCredits: z.boolean(),
  outOfCreditsStatus: z.union([z.literal(400), z.literal(402)]),
});

export type EmulatorSettings = z.infer<typeof settingsSchema>;
export type Readiness = EmulatorSettings['readiness'];

export function defaultSettings(): EmulatorSettings {
  return {
    apiKey: null,
    seed: 1,
    publicUrl: null,
    readiness: { kind: 'fixed', ms: 1500 },
    concurrencyLimit: 10,
    overConcurrency: 'queue',
    failureRate: 0,
    failureCode: 'INTERNAL',
    failureMessage: 'The session failed to start. Please try again.',
    sessionKeyTtlMs: 60_000,
    durationScale: 1,
    expiredSessionStatus: 'FAILED',
    expiredFailureCode: 'SESSION_EXPIRED',
    avatarProcessingMs: 2000,
    avatarFailureRate: 0,
    avatarFailureReason: 'Could not detect a face in the reference image.',
    voiceProcessingMs: 1000,
    uploadTtlMs: 24 * 60 * 60 * 1000,
    creditBalance: 10_000,
    secondConsumeStatus: 409,
    consumeAfterExpiryStatus: 410,
    deleteTerminalStatus: 204,
    deleteReadyStatus: 204,
    unknownAvatarStatus: 400,
    malformedIdStatus: 400,
    requireVersionHeader: true,
    maxDurationCap: 300,
    presetPersonaOverride: 'rejected',
    knowledgeTokenLimit: null,
    outOfCredits: false,
    outOfCreditsStatus: 400,
  };
}

export type SettingsPatch = { [K in keyof EmulatorSettings]?: unknown };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep merge. An object carrying `kind` (readiness) replaces the old one whole when the kind changes,
 * so switching from fixed to uniform does not leave a stray `ms` behind.
 */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  if ('kind' in patch && patch.kind !== base.kind) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    out[key] = deepMerge(base[key], value);
  }
  return out;
}

export class SettingsError extends Error {
  constructor(readonly issues: z.core.$ZodIssue[]) {
    super(`Invalid emulator settings: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'SettingsError';
  }
}

/** Merges a patch over `base` and validates the result; throws SettingsError. */
export function mergeSettings(base: EmulatorSettings, patch: unknown): EmulatorSettings {
  if (patch !== undefined && !isPlainObject(patch)) {
    throw new SettingsError([{ code: 'custom', path: [], message: 'settings must be an object', input: patch }]);
  }
  const result = settingsSchema.safeParse(deepMerge(base, patch ?? {}));
  if (!result.success) throw new SettingsError(result.error.issues);
  return result.data;
}

type EnvKind = 'string' | 'nullableString' | 'number' | 'nullableNumber' | 'boolean' | 'readiness';

const envKinds: Record<keyof EmulatorSettings, EnvKind> = {
  apiKey: 'nullableString',
  seed: 'number',
  publicUrl: 'nullableString',
  readiness: 'readiness',
  concurrencyLimit: 'number',
  overConcurrency: 'string',
  failureRate: 'number',
  failureCode: 'string',
  failureMessage: 'string',
  sessionKeyTtlMs: 'number',
  durationScale: 'number',
  expiredSessionStatus: 'string',
  expiredFailureCode: 'string',
  avatarProcessingMs: 'number',
  avatarFailureRate: 'number',
  avatarFailureReason: 'string',
  voiceProcessingMs: 'number',
  uploadTtlMs: 'number',
  creditBalance: 'number',
  secondConsumeStatus: 'number',
  consumeAfterExpiryStatus: 'number',
  deleteTerminalStatus: 'number',
  deleteReadyStatus: 'number',
  unknownAvatarStatus: 'number',
  malformedIdStatus: 'number',
  requireVersionHeader: 'boolean',
  maxDurationCap: 'nullableNumber',
  presetPersonaOverride: 'string',
  knowledgeTokenLimit: 'nullableNumber',
  outOfCredits: 'boolean',
  outOfCreditsStatus: 'number',
};

/** `sessionKeyTtlMs` → `EMULATOR_SESSION_KEY_TTL_MS`. */
export function envName(key: string): string {
  return `EMULATOR_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** "fixed:1500", "uniform:500:3000", "lognormal:1500:0.5", or JSON. */
function parseReadiness(raw: string): unknown {
  if (raw.trim().startsWith('{')) return JSON.parse(raw);
  const [kind, a, b] = raw.split(':');
  if (kind === 'fixed') return { kind, ms: Number(a) };
  if (kind === 'uniform') return { kind, minMs: Number(a), maxMs: Number(b) };
  if (kind === 'lognormal') return { kind, medianMs: Number(a), sigma: Number(b) };
  return raw; // let validation report it
}

function parseEnvValue(kind: EnvKind, raw: string): unknown {
  const nullable = kind === 'nullableString' || kind === 'nullableNumber';
  if (nullable && (raw === '' || raw.toLowerCase() === 'null')) return null;
  switch (kind) {
    case 'string':
    case 'nullableString':
      return raw;
    case 'number':
    case 'nullableNumber':
      return Number(raw);
    case 'boolean':
      return ['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())
        ? true
        : ['0', 'false', 'no', 'off'].includes(raw.toLowerCase())
          ? false
          : raw;
    case 'readiness':
      return parseReadiness(raw);
  }
}

/** Settings patch from EMULATOR_* variables (validated later by mergeSettings). */
export function settingsFromEnv(env: NodeJS.ProcessEnv): SettingsPatch {
  const patch: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(envKinds) as [keyof EmulatorSettings, EnvKind][]) {
    const raw = env[envName(key)];
    if (raw !== undefined) patch[key] = parseEnvValue(kind, raw);
  }
  // Shorthand for the common case.
  const readyMs = env.EMULATOR_READINESS_MS;
  if (readyMs !== undefined && patch.readiness === undefined) patch.readiness = { kind: 'fixed', ms: Number(readyMs) };
  return patch;
}

export const settingKeys = Object.keys(envKinds) as (keyof EmulatorSettings)[];
