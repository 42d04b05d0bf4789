// Minimal HS256 JWT (LiveKit access tokens). `jose` ships ESM only and the project's jest config
// cannot load it, so the few lines needed are done with node:crypto.
import { createHmac, timingSafeEqual } from 'node:crypto';

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export function signHs256(payload: Record<string, unknown>, secret: string): string {
  const head = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64(JSON.stringify(payload));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

export type VerifyResult = { ok: true; payload: Record<string, unknown> } | { ok: false; reason: string };

export function verifyHs256(token: string, secret: string, nowSec = Math.floor(Date.now() / 1000)): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed token' };
  const [head, body, sig] = parts as [string, string, string];
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed token' };
  }
  if ((header as { alg?: unknown })?.alg !== 'HS256') return { ok: false, reason: 'unsupported algorithm' };
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid signature' };
  if (typeof payload !== 'object' || payload === null) return { ok: false, reason: 'malformed claims' };
  const claims = payload as Record<string, unknown>;
  if (typeof claims.exp === 'number' && claims.exp <= nowSec) return { ok: false, reason: 'token expired' };
  if (typeof claims.nbf === 'number' && claims.nbf > nowSec + 5) return { ok: false, reason: 'token not yet valid' };
  return { ok: true, payload: claims };
}
