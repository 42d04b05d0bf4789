import { createSecretKey } from 'node:crypto';
import type { Config } from '../config';
import { SCOPES, type Scope } from './clients';

// Optional JWT bearer verification for apps whose users sign in: HS256 with a shared secret or any
// JWKS-published key, with issuer and audience checked. jose is ESM-only; Node >= 22 loads it with
// require(), and the import is deferred so a broker without JWT never loads it.

export interface VerifiedJwt {
  subject: string;
  scopes: Scope[];
  /** The JWT_TEMPLATE_VARIABLES_CLAIM object, when the token carries one. */
  templateVariables?: Record<string, unknown>;
}

export type JwtVerifier = (token: string) => Promise<VerifiedJwt>;

export function createJwtVerifier(config: Config): JwtVerifier | undefined {
  if (!config.JWT_SECRET && !config.JWT_JWKS_URL) return undefined;
  const jose = import('jose');
  const key = config.JWT_SECRET
    ? Promise.resolve(createSecretKey(Buffer.from(config.JWT_SECRET, 'utf8')))
    : jose.then((j) => j.createRemoteJWKSet(new URL(config.JWT_JWKS_URL!)));
  const maxLifetime = config.JWT_MAX_LIFETIME_S;
  const defaults = config.JWT_DEFAULT_SCOPES.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
  return async (token) => {
    const { jwtVerify } = await jose;
    const { payload } = await jwtVerify(token, (await key) as Parameters<typeof jwtVerify>[1], {
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      algorithms: config.JWT_SECRET ? ['HS256', 'HS384', 'HS512'] : ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256', 'EdDSA'],
      requiredClaims: ['exp'],
    });
    if (!payload.sub) throw new Error('token has no subject');
    checkLifetime(payload, maxLifetime);
    const claimed = typeof payload.scope === 'string' ? payload.scope.split(' ') : Array.isArray(payload.scp) ? (payload.scp as string[]) : undefined;
    // A token may narrow our defaults but never grant admin.
    const scopes = claimed ? defaults.filter((s) => claimed.includes(s)) : defaults;
    const variables = payload[config.JWT_TEMPLATE_VARIABLES_CLAIM];
    const templateVariables = variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : undefined;
    return { subject: payload.sub, scopes: scopes.filter((s) => s !== 'admin'), ...(templateVariables ? { templateVariables } : {}) };
  };
}

/**
 * A token that never expires, or expires far ahead, stays usable long after it leaks. Its lifetime is
 * exp - iat; without iat we can only bound what is left of it (exp - now).
 */
function checkLifetime(payload: { exp?: number; iat?: number }, maxSeconds: number): void {
  const now = Math.floor(Date.now() / 1000);
  const from = typeof payload.iat === 'number' ? payload.iat : now;
  if (payload.exp! - from > maxSeconds) throw new Error(`token lifetime exceeds JWT_MAX_LIFETIME_S (${maxSeconds} s)`);
  if (now - from > maxSeconds) throw new Error(`token was issued longer ago than JWT_MAX_LIFETIME_S (${maxSeconds} s)`);
}

export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}
