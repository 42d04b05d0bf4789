import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { AppError } from '../errors';

export type Scope = 'sessions:create' | 'sessions:read' | 'admin';

export interface ApiKeyEntry {
  name: string;
  scopes: Scope[];
  /** sha256 of the key; the key itself is never kept. */
  hash: Buffer;
}

export const hashKey = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** `name:key` or bare `key` entries (comma-separated in ADMIN_API_KEYS) become admin keys. */
export function adminKeys(list: string[]): ApiKeyEntry[] {
  return list.map((entry, index) => {
    const colon = entry.indexOf(':');
    const [name, key] = colon > 0 ? [entry.slice(0, colon), entry.slice(colon + 1)] : [`admin-${index + 1}`, entry];
    return { name, scopes: ['admin', 'sessions:create', 'sessions:read'], hash: hashKey(key) };
  });
}

/** Constant-time lookup over every key, so timing does not reveal which prefix matched. */
export function findKey(keys: ApiKeyEntry[], presented: string): ApiKeyEntry | undefined {
  const hash = hashKey(presented);
  let found: ApiKeyEntry | undefined;
  for (const entry of keys) if (timingSafeEqual(entry.hash, hash)) found = entry;
  return found;
}

function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * Identifies the caller: a valid API key (Authorization: Bearer or X-API-Key) names a client with
 * scopes; no credential means an anonymous browser identified by address. A credential that is
 * present but wrong is refused outright rather than downgraded to anonymous.
 */
export function authenticate(keys: ApiKeyEntry[]): RequestHandler {
  return (req, _res, next) => {
    const presented = bearer(req.get('authorization')) ?? req.get('x-api-key');
    if (presented) {
      const entry = findKey(keys, presented);
      if (!entry) throw new AppError('UNAUTHORIZED', 'The API key is not valid.');
      req.client = { id: `key:${entry.name}`, kind: 'api-key', scopes: entry.scopes };
    } else {
      req.client = { id: `anon:${ipKeyGenerator(req.ip ?? 'unknown')}`, kind: 'anonymous', scopes: ['sessions:create', 'sessions:read'] };
    }
    next();
  };
}

export function requireScope(scope: Scope): RequestHandler {
  return (req, _res, next) => {
    if (req.client.kind === 'anonymous') throw new AppError('UNAUTHORIZED', 'This route needs an API key (Authorization: Bearer <key>).');
    if (!req.client.scopes.includes(scope)) throw new AppError('FORBIDDEN', `This API key lacks the "${scope}" scope.`);
    next();
  };
}
