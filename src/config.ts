import { z } from 'zod';

// Every setting comes from the environment, is parsed once here, and is described once here:
// the same table validates the environment, masks secrets in the boot log and is checked against
// .env.example by a test, so documentation cannot drift from the code.

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** `avatarId:size|auto` entries; ids are preset ids (lowercase words) or custom avatar UUIDs. */
const POOL_ENTRY = /^([a-z][a-z-]*|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(\d{1,4}|auto)$/i;
const warmPool = list.pipe(
  z
    .array(z.string().regex(POOL_ENTRY, 'expected avatarId:size or avatarId:auto, e.g. music-superstar:2,cat-character:auto'))
    .transform((entries) => entries.map((entry) => {
      const [, avatarId, size] = POOL_ENTRY.exec(entry)!;
      return { avatarId: avatarId!.toLowerCase(), size: size === 'auto' ? ('auto' as const) : Number(size) };
    }))
    .refine((entries) => new Set(entries.map((e) => e.avatarId)).size === entries.length, 'an avatar is listed twice'),
);

interface Setting {
  schema: z.ZodType;
  default?: string;
  /** Default in development on the embedded emulator (nothing there costs money): lets a developer iterate. */
  devDefault?: string;
  secret?: boolean;
  doc: string;
}

export const SETTINGS = {
  NODE_ENV: { schema: z.enum(['development', 'production', 'test']), default: 'development', doc: 'production enables JSON logs and strict boot checks' },
  PORT: { schema: int(0, 65535), default: '8080', doc: 'HTTP port of the broker' },
  HOST: { schema: z.string().min(1), default: '0.0.0.0', doc: 'interface to bind' },
  LOG_LEVEL: { schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), default: 'info', doc: 'pino log level' },
  RUNWAYML_API_SECRET: { schema: z.string().min(1), secret: true, doc: 'Runway API key (the SDK\'s own variable). Unset: the broker runs on the built-in emulator' },
  RUNWAYML_BASE_URL: { schema: z.url(), default: 'https://api.dev.runwayml.com', doc: 'Runway API origin, without /v1 (the SDK\'s own variable)' },
  RUNWAY_MODE: { schema: z.enum(['auto', 'live', 'emulator']), default: 'auto', doc: 'auto = live when RUNWAYML_API_SECRET is set, else the embedded emulator (production requires a secret unless this is "emulator")' },
  EMULATOR_EMBEDDED_PORT: { schema: int(0, 65535), default: '0', doc: 'port of the embedded emulator (0 = any free port on 127.0.0.1)' },
  UPSTREAM_TIMEOUT_MS: { schema: int(100, 120_000), default: '10000', doc: 'timeout of one upstream HTTP attempt' },
  UPSTREAM_CREATE_TIMEOUT_MS: { schema: int(1000, 300_000), default: '30000', doc: 'bound of the one session-create request (never retried); longer than UPSTREAM_TIMEOUT_MS because giving up early loses the id of a session Runway may have created. A create that answers after the client left is cancelled' },
  UPSTREAM_MAX_RETRIES: { schema: int(0, 10), default: '3', doc: 'retries of idempotent upstream calls (GET, DELETE); session create is never retried' },
  UPSTREAM_MAX_CONNECTIONS: { schema: int(1, 10_000), default: '64', doc: 'most sockets open to Runway at once: one keep-alive pool shared by every upstream call; calls beyond it wait for a free socket within their attempt timeout' },
  SESSION_READY_TIMEOUT_MS: { schema: int(1000, 600_000), default: '60000', doc: 'overall deadline from request to credentials' },
  SESSION_EXPECTED_READY_MS: { schema: int(100, 300_000), default: '8000', doc: 'prior for the typical time to READY; the poller learns from observed sessions' },
  SESSION_DEFAULT_MAX_DURATION_S: { schema: int(10, 1800), default: '300', devDefault: '60', doc: 'maxDuration when the request names none (clamped to the cap); development on the emulator: 60' },
  SESSION_MAX_DURATION_CAP_S: { schema: int(10, 1800), default: '300', doc: 'upper bound for maxDuration for every client, a clients file\'s own maxDuration included; larger requests are clamped' },
  SESSION_KEY_SHAPE_ENABLED: { schema: bool, default: 'false', doc: 'allow ?shape=sessionKey (unconsumed {sessionId, sessionKey} for @runwayml/avatars clients)' },
  SESSION_RECORD_TTL_S: { schema: int(60, 7 * 86400), default: '3600', doc: 'how long non-secret session facts stay queryable after the session ends' },
  CORS_ORIGINS: { schema: list, default: '', doc: 'comma-separated browser origins allowed to call the broker cross-origin (empty = same-origin only)' },
  TRUST_PROXY_HOPS: { schema: int(0, 10), default: '0', doc: 'number of reverse proxies in front of the broker (never "true")' },
  JSON_BODY_LIMIT: { schema: z.string().regex(/^\d+(b|kb|mb)$/i, 'expected a size such as 16kb'), default: '16kb', doc: 'maximum JSON body on session routes' },
  AVATAR_JSON_BODY_LIMIT: { schema: z.string().regex(/^\d+(b|kb|mb)$/i, 'expected a size such as 6mb'), default: '6mb', doc: 'maximum JSON body on /api/avatars (a data: URI reference image alone may be 5 MB)' },
  MANAGEMENT_JSON_BODY_LIMIT: { schema: z.string().regex(/^\d+(b|kb|mb)$/i, 'expected a size such as 1mb'), default: '1mb', doc: 'maximum JSON body on the other management routes (a document holds up to 200,000 characters)' },
  AVATAR_IMAGE_MAX_BYTES: { schema: int(1024, 200 * 1024 * 1024), default: '10485760', doc: 'largest reference image accepted as a multipart upload, in bytes (held in memory while it is forwarded)' },
  KNOWLEDGE_TOKEN_BUDGET: { schema: int(1, 10_000_000), default: '50000', doc: "knowledge tokens allowed per avatar, checked before attaching (Runway's published limit is 50,000)" },
  ANONYMOUS_SESSIONS: { schema: z.enum(['auto', 'on', 'off']), default: 'auto', doc: 'let browsers without credentials start sessions (a plain AvatarCall connectUrl); auto = on except in production. In production it needs CORS_ORIGINS and ANONYMOUS_AVATARS' },
  ANONYMOUS_AVATARS: { schema: list, default: '', doc: 'avatar ids anonymous browsers may start (empty = any, allowed outside production only)' },
  ANONYMOUS_RATE_PER_MIN: { schema: int(1, 100_000), default: '10', devDefault: '60', doc: 'session creations per minute per anonymous address; development on the emulator: 60' },
  ANONYMOUS_MAX_CONCURRENT: { schema: int(1, 10_000), default: '2', devDefault: '10', doc: 'sessions in flight or running at once per anonymous address; development on the emulator: 10' },
  CLIENTS_FILE: { schema: z.string().min(1), doc: 'path to a JSON file of API-key clients (a mounted secret): [{name, key | keySha256, scopes, ratePerMinute, maxConcurrent, avatars, overrides, maxDuration, budget, webhook}]' },
  CLIENTS_JSON: { schema: z.string().min(1), secret: true, doc: 'the same client list inline, as JSON' },
  CLIENT_RATE_PER_MIN: { schema: int(1, 100_000), default: '30', doc: 'default session creations per minute for an API-key or JWT client' },
  CLIENT_MAX_CONCURRENT: { schema: int(1, 10_000), default: '5', doc: 'default sessions in flight or running at once for an API-key or JWT client' },
  JWT_SECRET: { schema: z.string().min(32, 'use at least 32 characters'), secret: true, doc: 'verify Authorization: Bearer JWTs signed with this HS256 secret (the subject becomes the client)' },
  JWT_JWKS_URL: { schema: z.url(), doc: 'verify JWTs against the keys published at this JWKS URL (alternative to JWT_SECRET)' },
  JWT_ISSUER: { schema: z.string().min(1), doc: 'required iss of accepted JWTs (required when JWT is enabled)' },
  JWT_AUDIENCE: { schema: z.string().min(1), doc: 'required aud of accepted JWTs (required when JWT is enabled)' },
  JWT_DEFAULT_SCOPES: { schema: list, default: 'sessions:create,sessions:read', doc: 'scopes of a JWT client (a token\'s scope claim may narrow them, never add admin)' },
  JWT_AVATARS: { schema: list, default: '', doc: 'avatar ids JWT clients may start (empty = any)' },
  JWT_MAX_LIFETIME_S: { schema: int(60, 86400), default: '3600', doc: 'longest accepted JWT lifetime: exp is required, exp - iat (or exp - now without iat) and the age since iat must not exceed this' },
  TEMPLATES_FILE: { schema: z.string().min(1), doc: 'path to a JSON or YAML file of session templates (validated at boot; read-only through the API); see docs/templates.md' },
  TEMPLATE_CONTEXT_SECRET: { schema: z.string().min(32, 'use at least 32 characters'), secret: true, doc: 'HS256 secret your server signs ?ctx= context tokens with (default: JWT_SECRET or JWT_JWKS_URL)' },
  TEMPLATE_CONTEXT_JWKS_URL: { schema: z.url(), doc: 'verify ?ctx= context tokens against the keys published at this JWKS URL (alternative to TEMPLATE_CONTEXT_SECRET)' },
  TEMPLATE_CONTEXT_AUDIENCE: { schema: z.string().min(1), default: 'characters-broker/session-context', doc: 'required aud of context tokens (keep it different from JWT_AUDIENCE, so a sign-in token is never a context token)' },
  TEMPLATE_CONTEXT_ISSUER: { schema: z.string().min(1), doc: 'required iss of context tokens (default: JWT_ISSUER when the JWT keys are used, else unchecked)' },
  TEMPLATE_CONTEXT_MAX_TTL_S: { schema: int(10, 3600), default: '300', doc: 'longest lifetime (exp - iat) a context token may have; longer-lived tokens are refused' },
  JWT_TEMPLATE_VARIABLES_CLAIM: { schema: z.string().regex(/^[\w.:-]{1,64}$/, 'a claim name'), default: 'template_variables', doc: 'JWT claim (an object) holding the template variables of a signed-in caller' },
  READ_RATE_PER_MIN: { schema: int(1, 100_000), default: '120', doc: 'session status/cancel/conversation reads per minute per client' },
  ADMIN_RATE_PER_MIN: { schema: int(1, 100_000), default: '300', doc: 'management API requests per minute per admin client' },
  GLOBAL_MAX_SESSIONS: { schema: int(0, 100_000), default: '0', doc: 'sessions in flight or running at once across the broker; 0 = the organization\'s gwm1_avatars concurrency from Runway at boot (10 if unknown)' },
  SESSION_FOLLOW_INTERVAL_MS: { schema: int(1000, 600_000), default: '15000', devDefault: '5000', doc: 'how often a delivered session is checked until it ends, to free its concurrency slot; development on the emulator: 5000' },
  IDEMPOTENCY_TTL_S: { schema: int(60, 7 * 86400), default: '86400', doc: 'how long a finished Idempotency-Key outcome is remembered' },
  IDEMPOTENCY_LEASE_MS: { schema: int(1000, 600_000), default: '30000', doc: 'how long an in-progress Idempotency-Key claim lives unless its replica renews it (every third of it); a crashed replica frees the key after this' },
  ADMIN_API_KEYS: { schema: list, default: '', secret: true, doc: 'comma-separated admin API keys, each `name:key` or a bare key; required for the management routes' },
  METRICS_PORT: { schema: int(0, 65535), default: '0', doc: 'serve /metrics on this separate port (internal); 0 = on the main port' },
  SHUTDOWN_GRACE_MS: { schema: int(0, 600_000), default: '10000', doc: 'how long shutdown waits for in-flight sessions before cancelling them' },
  REPLICA_ID: { schema: z.string().regex(/^[\x21-\x7e]{1,128}$/, 'expected 1-128 visible ASCII characters'), doc: 'this replica\'s stable name in the crash-safety journal (default hostname:pid). Must be unique among running replicas; a replica restarted under the same name reaps its predecessor\'s leftovers at boot' },
  REPLICA_HEARTBEAT_TTL_MS: { schema: int(1000, 600_000), default: '10000', doc: 'a replica silent for this long is presumed dead: its undelivered sessions are cancelled upstream by the others (REDIS_URL) and their slots freed' },
  REAPER_INTERVAL_MS: { schema: int(100, 600_000), default: '5000', doc: 'how often each replica sweeps the journal for sessions left behind by dead replicas and for cancels that failed' },
  PLAYGROUND: { schema: z.enum(['auto', 'on', 'off']), default: 'auto', doc: 'serve the /playground page (a real AvatarCall through this broker, with a live timeline); auto = on except in production. Its requests use the same access policy as any frontend' },
  PLAYGROUND_CONNECT_ORIGINS: { schema: list, default: '', doc: 'origins the /playground page may connect to besides its own (CSP connect-src): the LiveKit server in the credentials, e.g. wss://example.livekit.cloud. Empty = the emulator\'s origin on the emulator, else any wss:' },
  SHUTDOWN_DRAIN_DELAY_MS: { schema: int(0, 300_000), default: '5000', devDefault: '0', doc: 'on SIGTERM, how long /readyz answers 503 and new sessions get 503 SHUTTING_DOWN while the listener still accepts (so load balancers stop routing) before it closes; 0 = close at once; development on the emulator: 0' },
  HTTP_KEEP_ALIVE_TIMEOUT_MS: { schema: int(1000, 600_000), default: '65000', doc: 'idle keep-alive connections close after this; behind a proxy keep it above the proxy\'s idle timeout (60 s on most load balancers) so the proxy never reuses a socket we are closing' },
  HTTP_HEADERS_TIMEOUT_MS: { schema: int(1000, 600_000), default: '66000', doc: 'a client must send its request headers within this; must exceed HTTP_KEEP_ALIVE_TIMEOUT_MS (Node\'s rule, or a reused socket can be cut mid-request)' },
  HTTP_REQUEST_TIMEOUT_MS: { schema: int(1000, 3_600_000), default: '120000', doc: 'a client must send its whole request (headers and body, e.g. a 10 MB image upload) within this; at least HTTP_HEADERS_TIMEOUT_MS. It does not bound the response: a session request may wait SESSION_READY_TIMEOUT_MS for READY' },
  REDIS_URL: { schema: z.string().regex(/^rediss?:\/\/\S+$/, 'expected redis://[user:password@]host:port[/db] or rediss://...'), secret: true, doc: 'share rate limits, concurrency slots, session records, idempotency keys and follow-ups with other replicas through this Redis or Valkey (unset = in memory, one process); see docs/scaling.md' },
  REDIS_PREFIX: { schema: z.string().regex(/^[\x21-\x7e]{1,64}$/, 'expected 1-64 visible ASCII characters'), default: 'cb:', doc: 'prefix of every Redis key the broker writes (separate brokers sharing one Redis need different prefixes)' },
  REDIS_COMMAND_TIMEOUT_MS: { schema: int(50, 60_000), default: '1000', doc: 'a Redis command that takes longer fails (session creation then answers 503 STORE_UNAVAILABLE instead of hanging)' },
  USAGE_RETENTION_DAYS: { schema: int(1, 3660), default: '90', doc: 'how many days of per-day usage counters (GET /api/usage) are kept' },
  ANONYMOUS_BUDGET_MINUTES_PER_DAY: { schema: int(0, 10_000_000), default: '0', doc: 'session-minutes one anonymous address may use per UTC day (0 = no budget)' },
  ANONYMOUS_BUDGET_SESSIONS_PER_DAY: { schema: int(0, 10_000_000), default: '0', doc: 'sessions one anonymous address may start per UTC day (0 = no budget)' },
  ANONYMOUS_GLOBAL_BUDGET_MINUTES_PER_DAY: { schema: int(0, 10_000_000), default: '0', doc: 'session-minutes all anonymous callers together may use per UTC day, so a distributed abuse cannot spend the account (0 = no budget)' },
  ANONYMOUS_GLOBAL_BUDGET_SESSIONS_PER_DAY: { schema: int(0, 10_000_000), default: '0', doc: 'sessions all anonymous callers together may start per UTC day (0 = no budget)' },
  WEBHOOK_URL: { schema: z.url(), doc: 'receive every lifecycle webhook (all clients) at this URL; per-client endpoints go in the clients file. See docs/webhooks.md' },
  WEBHOOK_SECRET: { schema: z.string().regex(/^whsec_[A-Za-z0-9+/=]{24,}$/, 'expected whsec_ followed by base64 (Standard Webhooks)'), secret: true, doc: 'signing secret of WEBHOOK_URL (whsec_ + base64 of 24-64 random bytes); required with WEBHOOK_URL' },
  WEBHOOK_ALLOW_PRIVATE: { schema: bool, default: 'false', doc: 'allow webhook URLs on loopback, link-local and private addresses; off, a webhook cannot reach the internal network' },
  WEBHOOK_TIMEOUT_MS: { schema: int(100, 120_000), default: '10000', doc: 'timeout of one webhook delivery attempt' },
  WEBHOOK_RETRY_BASE_MS: { schema: int(1, 3_600_000), default: '10000', doc: 'first retry delay of a failed webhook; doubles each attempt, with jitter' },
  WEBHOOK_RETRY_MAX_MS: { schema: int(1, 86_400_000), default: '3600000', doc: 'longest delay between two attempts of one webhook' },
  WEBHOOK_RETRY_WINDOW_S: { schema: int(1, 30 * 86400), default: '90000', doc: 'a webhook is retried for at least this long before it becomes a dead letter' },
  WEBHOOK_CONCURRENCY: { schema: int(1, 1000), default: '8', doc: 'webhook deliveries in flight at once per broker process' },
  WARM_POOL: { schema: warmPool, default: '', doc: 'keep READY sessions ready for instant start, per avatar: comma list of avatarId:size or avatarId:auto (e.g. music-superstar:2,cat-character:auto); empty = off. See README "Instant start (warm pool)"' },
  WARM_POOL_MAX: { schema: int(0, 10_000), default: '10', doc: 'most pooled sessions held at once by this replica, across avatars (each holds a Runway concurrency slot)' },
  WARM_POOL_MAX_IDLE_S: { schema: int(1, 86_400), default: '300', doc: 'a pooled READY session nobody took within this many seconds is cancelled and replaced' },
  WARM_POOL_RETIRE_MARGIN_S: { schema: int(0, 3600), default: '15', doc: 'retire a pooled session this long before its key expires (expiresAt), so no client gets a key about to lapse' },
  WARM_POOL_TARGET_HIT_RATE: { schema: z.coerce.number().min(0.5).max(0.999), default: '0.95', doc: 'for auto-sized pools: the share of requests that should find a READY session (sets the Poisson margin)' },
} satisfies Record<string, Setting>;

type Settings = typeof SETTINGS;
type Value<S> = S extends { schema: infer T extends z.ZodType; default: string } ? z.output<T> : S extends { schema: infer T extends z.ZodType } ? z.output<T> | undefined : never;
export type Config = { [K in keyof Settings]: Value<Settings[K]> } & {
  /** Where upstream calls go: the real API or the embedded emulator. */
  readonly upstreamMode: 'live' | 'emulator';
  /** Whether browsers without credentials may start sessions. */
  readonly anonymousSessions: boolean;
  /** Names of the settings the environment set (the rest are defaults); for the boot summary. Optional so hand-made configs stay valid. */
  readonly fromEnv?: readonly string[];
  /** True when development defaults applied (NODE_ENV=development on the embedded emulator). */
  readonly devDefaults?: boolean;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const fromEnv: string[] = [];
  const devDefaults = usesDevDefaults(env);
  for (const [name, setting] of Object.entries(SETTINGS) as [string, Setting][]) {
    const given = env[name]?.trim();
    if (given) fromEnv.push(name);
    const raw = given || (devDefaults && setting.devDefault) || setting.default;
    if (raw === undefined) continue;
    const parsed = setting.schema.safeParse(raw);
    if (parsed.success) values[name] = parsed.data;
    else problems.push(`${name}: ${parsed.error.issues.map((i) => i.message).join('; ')} (got ${setting.secret ? '[masked]' : JSON.stringify(raw)})`);
  }
  if (problems.length) throw new ConfigError(problems);

  const config = values as Omit<Config, 'upstreamMode' | 'anonymousSessions'>;
  const upstreamMode = resolveMode(config, problems);
  const anonymousSessions = resolveAnonymous(config, problems);
  if ((config.JWT_SECRET || config.JWT_JWKS_URL) && (!config.JWT_ISSUER || !config.JWT_AUDIENCE)) {
    problems.push('JWT_ISSUER and JWT_AUDIENCE: both are required when JWT_SECRET or JWT_JWKS_URL is set');
  }
  if (config.JWT_SECRET && config.JWT_JWKS_URL) problems.push('JWT_SECRET and JWT_JWKS_URL: set one, not both');
  if (config.TEMPLATE_CONTEXT_SECRET && config.TEMPLATE_CONTEXT_JWKS_URL) problems.push('TEMPLATE_CONTEXT_SECRET and TEMPLATE_CONTEXT_JWKS_URL: set one, not both');
  if (config.JWT_AUDIENCE === config.TEMPLATE_CONTEXT_AUDIENCE) problems.push('TEMPLATE_CONTEXT_AUDIENCE must differ from JWT_AUDIENCE, so a sign-in token is never accepted as a context token');
  if (config.SESSION_DEFAULT_MAX_DURATION_S > config.SESSION_MAX_DURATION_CAP_S) {
    problems.push('SESSION_DEFAULT_MAX_DURATION_S: must not exceed SESSION_MAX_DURATION_CAP_S');
  }
  if (config.HTTP_HEADERS_TIMEOUT_MS <= config.HTTP_KEEP_ALIVE_TIMEOUT_MS) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS: must exceed HTTP_KEEP_ALIVE_TIMEOUT_MS');
  }
  if (config.HTTP_REQUEST_TIMEOUT_MS < config.HTTP_HEADERS_TIMEOUT_MS) {
    problems.push('HTTP_REQUEST_TIMEOUT_MS: must be at least HTTP_HEADERS_TIMEOUT_MS');
  }
  if (Boolean(config.WEBHOOK_URL) !== Boolean(config.WEBHOOK_SECRET)) problems.push('WEBHOOK_URL and WEBHOOK_SECRET: set both or neither');
  if (problems.length) throw new ConfigError(problems);
  return { ...config, upstreamMode, anonymousSessions, fromEnv, devDefaults };
}

/**
 * Development on the embedded emulator costs nothing, and production-sized limits (2 anonymous
 * sessions of 300 s) lock a developer out after three tries. Production and live keys keep the
 * ordinary defaults.
 */
function usesDevDefaults(env: NodeJS.ProcessEnv): boolean {
  const nodeEnv = env.NODE_ENV?.trim() || SETTINGS.NODE_ENV.default;
  const mode = env.RUNWAY_MODE?.trim() || SETTINGS.RUNWAY_MODE.default;
  const hasSecret = Boolean(env.RUNWAYML_API_SECRET?.trim());
  return nodeEnv === 'development' && (mode === 'emulator' || (mode === 'auto' && !hasSecret));
}

/**
 * Anonymous browsers cost money per session. In production they are allowed only behind a CORS
 * allowlist and an avatar allowlist (per-address limits always apply), or not at all.
 */
function resolveAnonymous(config: Omit<Config, 'upstreamMode' | 'anonymousSessions'>, problems: string[]): boolean {
  const production = config.NODE_ENV === 'production';
  if (config.ANONYMOUS_SESSIONS === 'off' || (config.ANONYMOUS_SESSIONS === 'auto' && production)) return false;
  if (production) {
    const missing = [!config.CORS_ORIGINS.length && 'CORS_ORIGINS', !config.ANONYMOUS_AVATARS.length && 'ANONYMOUS_AVATARS'].filter(Boolean);
    if (missing.length) {
      problems.push(
        `ANONYMOUS_SESSIONS=on in production needs ${missing.join(' and ')}: list the sites allowed to embed avatars (CORS_ORIGINS) ` +
          'and the avatars they may start (ANONYMOUS_AVATARS), or set ANONYMOUS_SESSIONS=off and give apps API keys (CLIENTS_FILE) or JWTs',
      );
    }
  }
  return true;
}

function resolveMode(config: Omit<Config, 'upstreamMode' | 'anonymousSessions'>, problems: string[]): 'live' | 'emulator' {
  const hasSecret = Boolean(config.RUNWAYML_API_SECRET);
  if (config.RUNWAY_MODE === 'emulator') return 'emulator';
  if (config.RUNWAY_MODE === 'live' && !hasSecret) {
    problems.push('RUNWAYML_API_SECRET: required when RUNWAY_MODE=live');
  }
  if (config.RUNWAY_MODE === 'auto' && !hasSecret && config.NODE_ENV === 'production') {
    problems.push(
      'RUNWAYML_API_SECRET: required in production; set it, or set RUNWAY_MODE=emulator to run on the built-in emulator on purpose',
    );
  }
  return hasSecret ? 'live' : 'emulator';
}

/** What a secret looks like in the boot log: whether it is set, never any of its characters. */
export const SECRET_SET = '[set]';

/**
 * The boot summary: the settings the environment set plus the development defaults in use, never
 * the ~55 defaults. Secrets show only as set; a prefix of a short secret is most of it.
 */
export function describeConfig(config: Config): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  const fromEnv = new Set(config.fromEnv ?? Object.keys(SETTINGS));
  for (const [name, setting] of Object.entries(SETTINGS) as [string, Setting][]) {
    const value = (config as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const devDefault = !fromEnv.has(name) && config.devDefaults && setting.devDefault !== undefined;
    if (!fromEnv.has(name) && !devDefault) continue;
    shown[name] = setting.secret ? SECRET_SET : devDefault ? `${String(value)} (development default)` : value;
  }
  return shown;
}
