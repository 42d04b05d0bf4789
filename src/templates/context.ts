import { createHash, createSecretKey } from 'node:crypto';
import type { Config } from '../config';
import { AppError } from '../errors';

// Context tokens: a team's server signs the template id and the caller's variables into a
// short-lived JWT and puts it in the connect URL (?ctx=). We check signature, audience, issuer,
// lifetime and (in start.ts) the template, and accept each token once. The token itself is never
// logged, stored or echoed; the one-use ledger keeps a hash of its jti.

export interface VerifiedContext {
  template: string;
  variables: Record<string, unknown>;
  /** sha256 of the token's jti, for the one-use ledger. */
  jtiHash: string;
  /** Epoch ms when the token expires (how long its jti must be remembered). */
  expiresAt: number;
}

export type ContextVerifier = (token: string) => Promise<VerifiedContext>;

const invalid = (message: string) => new AppError('TEMPLATE_CONTEXT_INVALID', message);

/** Undefined when the broker has no key to verify context tokens with. */
export function createContextVerifier(config: Config): ContextVerifier | undefined {
  const ownKey = config.TEMPLATE_CONTEXT_SECRET || config.TEMPLATE_CONTEXT_JWKS_URL;
  const secret = ownKey ? config.TEMPLATE_CONTEXT_SECRET : config.JWT_SECRET;
  const jwksUrl = ownKey ? config.TEMPLATE_CONTEXT_JWKS_URL : config.JWT_JWKS_URL;
  if (!secret && !jwksUrl) return undefined;
  const issuer = config.TEMPLATE_CONTEXT_ISSUER ?? (ownKey ? undefined : config.JWT_ISSUER);
  const maxTtlS = config.TEMPLATE_CONTEXT_MAX_TTL_S;
  const jose = import('jose');
  const key = secret ? Promise.resolve(createSecretKey(Buffer.from(secret, 'utf8'))) : jose.then((j) => j.createRemoteJWKSet(new URL(jwksUrl!)));
  return async (token) => {
    const { jwtVerify, errors } = await jose;
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(token, (await key) as Parameters<typeof jwtVerify>[1], {
        audience: config.TEMPLATE_CONTEXT_AUDIENCE,
        ...(issuer ? { issuer } : {}),
        algorithms: secret ? ['HS256', 'HS384', 'HS512'] : ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256', 'EdDSA'],
        requiredClaims: ['exp', 'iat', 'jti'],
        maxTokenAge: maxTtlS,
        clockTolerance: 5, // seconds of skew between the signing server and us
      }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw invalid('The context token has expired; fetch a new connect URL.');
      throw invalid('The context token is not valid (signature, audience, issuer or lifetime).');
    }
    const { exp, iat, jti, template, variables } = payload as Record<string, unknown>;
    if (typeof exp !== 'number' || typeof iat !== 'number' || exp - iat > maxTtlS) {
      throw invalid(`The context token lives too long; its lifetime (exp - iat) may be at most ${maxTtlS} s (TEMPLATE_CONTEXT_MAX_TTL_S).`);
    }
    if (typeof jti !== 'string' || !jti) throw invalid('The context token needs a jti (a unique id).');
    if (typeof template !== 'string') throw invalid('The context token needs a "template" claim naming the template it starts.');
    if (variables !== undefined && (typeof variables !== 'object' || variables === null || Array.isArray(variables))) {
      throw invalid('The context token\'s "variables" claim must be an object.');
    }
    return {
      template,
      variables: (variables as Record<string, unknown> | undefined) ?? {},
      jtiHash: createHash('sha256').update(jti, 'utf8').digest('hex'),
      expiresAt: exp * 1000,
    };
  };
}
