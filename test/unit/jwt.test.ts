import { SignJWT } from 'jose';
import { createJwtVerifier } from '../../src/access/jwt';
import { loadConfig } from '../../src/config';

// Tokens must expire, and not far in the future: a leaked token is only as dangerous as it is long-lived.

const secret = 'a-very-long-shared-secret-for-hs256-tokens';
const verify = createJwtVerifier(loadConfig({ NODE_ENV: 'test', JWT_SECRET: secret, JWT_ISSUER: 'iss', JWT_AUDIENCE: 'aud', JWT_MAX_LIFETIME_S: '3600' }))!;
const now = () => Math.floor(Date.now() / 1000);

function token(claims: { exp?: number; iat?: number }): Promise<string> {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('user-1').setIssuer('iss').setAudience('aud');
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
  return jwt.sign(Buffer.from(secret));
}

describe('JWT lifetime', () => {
  it('accepts a short-lived token, with or without iat', async () => {
    await expect(verify(await token({ exp: now() + 600, iat: now() }))).resolves.toMatchObject({ subject: 'user-1' });
    await expect(verify(await token({ exp: now() + 600 }))).resolves.toMatchObject({ subject: 'user-1' });
  });

  it('refuses a token without exp', async () => {
    await expect(verify(await token({}))).rejects.toThrow();
    await expect(verify(await token({ iat: now() }))).rejects.toThrow();
  });

  it('refuses a token whose lifetime exceeds JWT_MAX_LIFETIME_S', async () => {
    await expect(verify(await token({ exp: now() + 7200, iat: now() }))).rejects.toThrow(/lifetime/);
    await expect(verify(await token({ exp: now() + 7200 }))).rejects.toThrow(/lifetime/);
  });

  it('refuses a token issued longer ago than JWT_MAX_LIFETIME_S, even if it has not expired', async () => {
    await expect(verify(await token({ exp: now() + 60, iat: now() - 7200 }))).rejects.toThrow();
  });
});
