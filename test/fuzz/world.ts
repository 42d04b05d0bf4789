// The system under fuzz: a real broker (every feature mounted, every kind of credential configured)
// wired to a real in-process emulator, with captured logs and a record of every upstream secret.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { createBroker, type Broker } from '../../src/app';
import { loadConfig } from '../../src/config';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { EMULATOR_KEY } from '../support/harness';
import { capturingLogger } from '../support/silent-logger';

export const ADMIN_KEY = 'fuzz-admin-key-7f3a9c1e5b2d4f60';
export const CLIENT_KEY = 'fuzz-client-key-0a1b2c3d4e5f6789';
export const READER_KEY = 'fuzz-reader-key-9e8d7c6b5a493827';
export const PARTNER_KEY = 'fuzz-partner-key-13579bdf02468ace';
export const JWT_SECRET = 'fuzz-jwt-secret-that-is-long-enough-0123456789';
export const JWT_ISSUER = 'https://auth.fuzz.example';
export const JWT_AUDIENCE = 'characters-broker';
export const ALLOWED_ORIGIN = 'https://app.fuzz.example';
export const SESSION_MAX_DURATION_CAP_S = 300;

/** Ways a request can present itself; `refused` ones must get 401 wherever credentials are checked. */
export const CREDENTIALS = {
  anonymous: { refused: false },
  client: { refused: false },
  clientXApiKey: { refused: false },
  reader: { refused: false },
  partner: { refused: false },
  admin: { refused: false },
  adminXApiKey: { refused: false },
  jwt: { refused: false },
  jwtAdminScope: { refused: false },
  jwtExpired: { refused: true },
  jwtBadSignature: { refused: true },
  jwtWrongAudience: { refused: true },
  jwtNoExp: { refused: true },
  wrongKey: { refused: true },
  malformedBasic: { refused: true },
  malformedToken: { refused: true },
  malformedTwoWords: { refused: true },
  malformedEmptyBearer: { refused: true },
} as const;
export type CredentialKind = keyof typeof CREDENTIALS;

/** Kinds whose credential the broker cannot even parse as a Bearer token (issue 11, defect 5). */
export const MALFORMED: CredentialKind[] = ['malformedBasic', 'malformedToken', 'malformedTwoWords', 'malformedEmptyBearer'];

export interface World {
  origin: string;
  broker: Broker;
  emulator: EmulatorHandle;
  logs: ReturnType<typeof capturingLogger>;
  /** Secrets that must never appear in a response or a log line. */
  staticSecrets: string[];
  /** sessionKeys and LiveKit tokens Runway handed to the broker (only the one delivery may carry each). */
  upstreamSecrets: Set<string>;
  headersFor(kind: CredentialKind): Record<string, string>;
  close(): Promise<void>;
}

const sign = (secret: string, claims: { aud?: string; exp?: number | null; scope?: string }) => {
  let jwt = new SignJWT(claims.scope ? { scope: claims.scope } : {})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('fuzz-user')
    .setIssuer(JWT_ISSUER)
    .setAudience(claims.aud ?? JWT_AUDIENCE)
    .setIssuedAt();
  if (claims.exp !== null) jwt = jwt.setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 3600);
  return jwt.sign(Buffer.from(secret));
};

function collectSecrets(value: unknown, into: Set<string>): void {
  if (!value || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    if ((key === 'sessionKey' || key === 'token') && typeof v === 'string' && v) into.add(v);
    else collectSecrets(v, into);
  }
}

/** Upstream trouble on a few percent of Runway calls, so the documented 429/502/503 paths are exercised too. */
const FAULTS = [
  { action: { type: 'status', status: 500 } },
  { action: { type: 'status', status: 503 } },
  { action: { type: 'status', status: 429, retryAfter: 0 } },
  { action: { type: 'status', status: 400, body: { error: 'fuzz: refused' } } },
  { action: { type: 'reset' } },
] as const;

export async function startWorld(options: { faultProbability?: number } = {}): Promise<World> {
  const emulator = await startEmulator({
    settings: {
      apiKey: EMULATOR_KEY,
      readiness: { kind: 'fixed', ms: 20 },
      concurrencyLimit: 1000,
      avatarProcessingMs: 30,
      voiceProcessingMs: 20,
      durationScale: 0.001,
    },
  });
  for (const f of FAULTS) emulator.addFault({ operation: '*', probability: options.faultProbability ?? 0.01, action: { ...f.action } });
  const logs = capturingLogger('debug');
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    RUNWAY_MODE: 'emulator',
    ADMIN_API_KEYS: `ops:${ADMIN_KEY}`,
    CLIENTS_JSON: JSON.stringify([
      { name: 'web', key: CLIENT_KEY, scopes: ['sessions:create', 'sessions:read'] },
      { name: 'reader', key: READER_KEY, scopes: ['sessions:read'] },
      { name: 'partner', key: PARTNER_KEY, scopes: ['sessions:create', 'sessions:read'], overrides: ['tools', 'maxDuration', 'personality', 'startScript'], avatars: ['music-superstar', 'cat-character'] },
    ]),
    JWT_SECRET,
    JWT_ISSUER,
    JWT_AUDIENCE,
    CORS_ORIGINS: ALLOWED_ORIGIN,
    SESSION_KEY_SHAPE_ENABLED: 'true',
    SESSION_MAX_DURATION_CAP_S: String(SESSION_MAX_DURATION_CAP_S),
    SESSION_READY_TIMEOUT_MS: '5000',
    SESSION_EXPECTED_READY_MS: '100',
    SESSION_FOLLOW_INTERVAL_MS: '1000',
    UPSTREAM_TIMEOUT_MS: '3000',
    UPSTREAM_MAX_RETRIES: '1',
    // Limits are not what the fuzzer tests: they would turn most requests into 429s.
    ANONYMOUS_RATE_PER_MIN: '100000',
    ANONYMOUS_MAX_CONCURRENT: '10000',
    CLIENT_RATE_PER_MIN: '100000',
    CLIENT_MAX_CONCURRENT: '10000',
    READ_RATE_PER_MIN: '100000',
    ADMIN_RATE_PER_MIN: '100000',
    GLOBAL_MAX_SESSIONS: '10000',
  });
  const upstreamSecrets = new Set<string>();
  // Reads every realtime-session answer before the broker does, so a secret is known before it can leak.
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await globalThis.fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (url.includes('/realtime_sessions') && res.headers.get('content-type')?.includes('json')) {
      try {
        collectSecrets(JSON.parse(await res.clone().text()), upstreamSecrets);
      } catch {
        // not JSON after all: nothing to record
      }
    }
    return res;
  };
  const broker = createBroker({ config, logger: logs.logger, upstream: { baseURL: emulator.url, apiKey: EMULATOR_KEY }, fetch: recordingFetch });
  const server: Server = await new Promise((resolve) => {
    const s = broker.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const now = Math.floor(Date.now() / 1000);
  const jwts = {
    jwt: await sign(JWT_SECRET, {}),
    jwtAdminScope: await sign(JWT_SECRET, { scope: 'admin sessions:read' }),
    jwtExpired: await sign(JWT_SECRET, { exp: now - 3600 }),
    jwtBadSignature: await sign('another-secret-that-is-long-enough-0123456789', {}),
    jwtWrongAudience: await sign(JWT_SECRET, { aud: 'someone-else' }),
    jwtNoExp: await sign(JWT_SECRET, { exp: null }),
  };
  const bearer = (v: string) => ({ Authorization: `Bearer ${v}` });
  const headers: Record<CredentialKind, Record<string, string>> = {
    anonymous: {},
    client: bearer(CLIENT_KEY),
    clientXApiKey: { 'X-API-Key': CLIENT_KEY },
    reader: bearer(READER_KEY),
    partner: bearer(PARTNER_KEY),
    admin: bearer(ADMIN_KEY),
    adminXApiKey: { 'X-API-Key': ADMIN_KEY },
    jwt: bearer(jwts.jwt),
    jwtAdminScope: bearer(jwts.jwtAdminScope),
    jwtExpired: bearer(jwts.jwtExpired),
    jwtBadSignature: bearer(jwts.jwtBadSignature),
    jwtWrongAudience: bearer(jwts.jwtWrongAudience),
    jwtNoExp: bearer(jwts.jwtNoExp),
    wrongKey: bearer('fuzz-wrong-key-0000000000000000'),
    malformedBasic: { Authorization: `Basic ${Buffer.from(`ops:${ADMIN_KEY}`).toString('base64')}` },
    malformedToken: { Authorization: 'Token x' },
    malformedTwoWords: { Authorization: 'Bearer a b' },
    malformedEmptyBearer: { Authorization: 'Bearer ' },
  };
  return {
    origin,
    broker,
    emulator,
    logs,
    staticSecrets: [EMULATOR_KEY, ADMIN_KEY, CLIENT_KEY, READER_KEY, PARTNER_KEY, JWT_SECRET, ...Object.values(jwts)],
    upstreamSecrets,
    headersFor: (kind) => headers[kind],
    async close() {
      await broker.shutdown(0);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await emulator.close();
    },
  };
}
