import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Config } from '../config';
import { hashKey } from './keys';

// Who may call the broker, and with what limits. API keys come from ADMIN_API_KEYS, CLIENTS_JSON or a
// mounted CLIENTS_FILE; only their sha256 is kept. JWT callers and anonymous browsers get the
// configured default policies.

export const SCOPES = ['sessions:create', 'sessions:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

// variables: the values of a session template's variables in the body (src/templates).
export const OVERRIDES = ['personality', 'startScript', 'maxDuration', 'tools', 'variables'] as const;
export type Override = (typeof OVERRIDES)[number];

export interface ClientPolicy {
  scopes: Scope[];
  /** Session creations per minute. */
  ratePerMinute: number;
  /** Sessions in flight or running at once. */
  maxConcurrent: number;
  /** Avatar ids this client may start; null = any. */
  avatars: string[] | null;
  /** Per-session fields this client may set. */
  overrides: Override[];
  /** Longest session this client may ask for, in seconds. */
  maxDuration: number;
  /** Usage budgets (issue 13); absent = no budget. */
  budget?: ClientBudget;
}

/** Per-window caps; each absent field is no cap. Windows are UTC days and months. */
export interface ClientBudget {
  minutesPerDay?: number;
  minutesPerMonth?: number;
  sessionsPerDay?: number;
}

/** A client's own lifecycle webhook endpoint; validated (address, scheme) by src/webhooks at boot. */
export interface ClientWebhook {
  url: string;
  secret: string;
}

export interface ApiKeyClient {
  name: string;
  /** sha256 of the key; the key itself is never kept. */
  hash: Buffer;
  policy: ClientPolicy;
  webhook?: ClientWebhook;
}

const clientEntry = z.strictObject({
  name: z.string().regex(/^[\w.-]{1,64}$/, 'names are 1-64 letters, digits, _ . -'),
  key: z.string().min(16, 'keys must be at least 16 characters').optional(),
  keySha256: z.string().regex(/^[0-9a-f]{64}$/i, 'a hex sha256').optional(),
  scopes: z.array(z.enum(SCOPES)).min(1).default(['sessions:create', 'sessions:read']),
  ratePerMinute: z.number().int().min(1).optional(),
  maxConcurrent: z.number().int().min(1).optional(),
  avatars: z.array(z.string().min(1)).optional(),
  overrides: z.array(z.enum(OVERRIDES)).default([]),
  maxDuration: z.number().int().min(10).max(1800).optional(),
  budget: z
    .strictObject({
      minutesPerDay: z.number().min(0).optional(),
      minutesPerMonth: z.number().min(0).optional(),
      sessionsPerDay: z.number().int().min(0).optional(),
    })
    .optional(),
  webhook: z.strictObject({ url: z.url(), secret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{24,}$/, 'expected whsec_ followed by base64 (Standard Webhooks)') }).optional(),
});
const clientsFile = z.array(clientEntry);

export class ClientsError extends Error {}

export function loadApiKeyClients(config: Config, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): ApiKeyClient[] {
  const clients: ApiKeyClient[] = config.ADMIN_API_KEYS.map((entry, index) => {
    const colon = entry.indexOf(':');
    const [name, key] = colon > 0 ? [entry.slice(0, colon), entry.slice(colon + 1)] : [`admin-${index + 1}`, entry];
    return { name, hash: hashKey(key), policy: adminPolicy(config) };
  });
  const sources: [string, string | undefined][] = [
    ['CLIENTS_JSON', config.CLIENTS_JSON],
    ['CLIENTS_FILE', config.CLIENTS_FILE ? readFile(config.CLIENTS_FILE) : undefined],
  ];
  for (const [source, text] of sources) {
    if (!text) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ClientsError(`${source}: not valid JSON`);
    }
    const parsed = clientsFile.safeParse(json);
    if (!parsed.success) {
      throw new ClientsError(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    for (const entry of parsed.data) {
      if (!entry.key === !entry.keySha256) throw new ClientsError(`${source}: client "${entry.name}" needs exactly one of key or keySha256`);
      clients.push({
        name: entry.name,
        hash: entry.key ? hashKey(entry.key) : Buffer.from(entry.keySha256!, 'hex'),
        policy: {
          scopes: entry.scopes,
          ratePerMinute: entry.ratePerMinute ?? config.CLIENT_RATE_PER_MIN,
          maxConcurrent: entry.maxConcurrent ?? config.CLIENT_MAX_CONCURRENT,
          avatars: entry.avatars ?? null,
          overrides: entry.overrides,
          // The global cap bounds a client's own limit too: an operator lowering it must not be outvoted by a file.
          maxDuration: Math.min(entry.maxDuration ?? config.SESSION_MAX_DURATION_CAP_S, config.SESSION_MAX_DURATION_CAP_S),
          ...(entry.budget ? { budget: entry.budget } : {}),
        },
        ...(entry.webhook ? { webhook: entry.webhook } : {}),
      });
    }
  }
  const names = new Set<string>();
  for (const client of clients) {
    if (names.has(client.name)) throw new ClientsError(`client name "${client.name}" is used twice`);
    names.add(client.name);
  }
  return clients;
}

function adminPolicy(config: Config): ClientPolicy {
  return {
    scopes: [...SCOPES],
    ratePerMinute: config.CLIENT_RATE_PER_MIN,
    maxConcurrent: config.CLIENT_MAX_CONCURRENT,
    avatars: null,
    overrides: [...OVERRIDES],
    maxDuration: config.SESSION_MAX_DURATION_CAP_S,
  };
}

/** Signed-in users of an app (JWT subject): sessions only, default limits, no overrides. */
export function jwtPolicy(config: Config, scopes: Scope[]): ClientPolicy {
  return {
    scopes,
    ratePerMinute: config.CLIENT_RATE_PER_MIN,
    maxConcurrent: config.CLIENT_MAX_CONCURRENT,
    avatars: config.JWT_AVATARS.length ? config.JWT_AVATARS : null,
    overrides: [],
    maxDuration: config.SESSION_MAX_DURATION_CAP_S,
  };
}

/** A plain <AvatarCall connectUrl> browser: per-address limits, listed avatars, never overrides. */
export function anonymousPolicy(config: Config): ClientPolicy | null {
  if (!config.anonymousSessions) return null;
  return {
    scopes: ['sessions:create', 'sessions:read'],
    ratePerMinute: config.ANONYMOUS_RATE_PER_MIN,
    maxConcurrent: config.ANONYMOUS_MAX_CONCURRENT,
    avatars: config.ANONYMOUS_AVATARS.length ? config.ANONYMOUS_AVATARS : null,
    overrides: [],
    maxDuration: config.SESSION_MAX_DURATION_CAP_S,
  };
}
