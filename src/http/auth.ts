import type { RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { ApiKeyClient, ClientPolicy, Scope } from '../access/clients';
import type { JwtVerifier } from '../access/jwt';
import { looksLikeJwt } from '../access/jwt';
import { findByKey } from '../access/keys';
import { AppError } from '../errors';

export type { Scope };

export interface AuthOptions {
  keys: ApiKeyClient[];
  jwt?: JwtVerifier;
  /** Policy of a verified JWT subject with the given scopes. */
  jwtPolicy: (scopes: Scope[]) => ClientPolicy;
  /** Policy for callers without credentials; null = they are refused. */
  anonymous: ClientPolicy | null;
}

/**
 * The credential the caller presented, if any. A header that is there but not in a form we accept
 * (another scheme, two tokens, an empty value) is refused: downgrading it to anonymous would hide a
 * client bug and hand out anonymous sessions to a caller that meant to authenticate.
 */
function presentedCredential(authorization: string | undefined, apiKey: string | undefined): string | undefined {
  if (authorization !== undefined) {
    const token = authorization.match(/^Bearer[ \t]+(\S+)[ \t]*$/i)?.[1];
    if (!token) throw new AppError('UNAUTHORIZED', 'The Authorization header is malformed; send "Authorization: Bearer <key or token>".');
    return token;
  }
  if (apiKey !== undefined) {
    if (!/^\S+$/.test(apiKey)) throw new AppError('UNAUTHORIZED', 'The X-API-Key header is malformed; send the key alone (or use Authorization: Bearer <key>).');
    return apiKey;
  }
  return undefined;
}

/**
 * Identifies the caller: an API key (Authorization: Bearer or X-API-Key), a verified JWT, or an
 * anonymous browser known by its address. A credential that is present but invalid is refused
 * outright, never downgraded to anonymous.
 */
export function authenticate({ keys, jwt, jwtPolicy, anonymous }: AuthOptions): RequestHandler {
  return async (req, _res, next) => {
    const presented = presentedCredential(req.get('authorization'), req.get('x-api-key'));
    if (presented) {
      const client = findByKey(keys, presented);
      if (client) {
        req.client = { id: `key:${client.name}`, kind: 'api-key', scopes: client.policy.scopes, policy: client.policy };
        return next();
      }
      if (jwt && looksLikeJwt(presented)) {
        const verified = await jwt(presented).catch(() => undefined);
        if (!verified) throw new AppError('UNAUTHORIZED', 'The token is not valid (signature, issuer, audience, expiry or lifetime).');
        req.client = { id: `jwt:${verified.subject}`, kind: 'jwt', scopes: verified.scopes, policy: jwtPolicy(verified.scopes), ...(verified.templateVariables ? { templateVariables: verified.templateVariables } : {}) };
        return next();
      }
      throw new AppError('UNAUTHORIZED', 'The API key is not valid.');
    }
    const address = `anon:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    req.client = anonymous
      ? { id: address, kind: 'anonymous', scopes: anonymous.scopes, policy: anonymous }
      : { id: address, kind: 'anonymous', scopes: [], policy: null };
    next();
  };
}

export function requireScope(scope: Scope): RequestHandler {
  return (req, _res, next) => {
    if (req.client.scopes.includes(scope)) return next();
    if (req.client.kind === 'anonymous') throw new AppError('UNAUTHORIZED', 'This route needs credentials (Authorization: Bearer <key or token>).');
    throw new AppError('FORBIDDEN', `These credentials lack the "${scope}" scope.`);
  };
}
