import http, { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { eventually, startHarness, type Harness } from '../support/harness';

const CLIENTS = JSON.stringify([
  { name: 'creator', key: 'creator-key-0123456789', scopes: ['sessions:create', 'sessions:read'], maxConcurrent: 2 },
  { name: 'reader', key: 'reader-key-0123456789', scopes: ['sessions:read'] },
  { name: 'kiosk', key: 'kiosk-key-0123456789', avatars: ['cat-character'] },
]);
const ADMIN = 'admin-key-0123456789';
const UNKNOWN_ID = '5d7c1c9e-1111-4a4a-8b8b-0123456789ab';

let h: Harness;
afterEach(() => h?.close());

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

describe('every route × {no credential, wrong key, wrong scope, right scope}', () => {
  const routes: { method: 'get' | 'post' | 'delete'; path: string; body?: object; wrongScope: string; rightScope: string }[] = [
    { method: 'post', path: '/api/avatar/session', body: { avatarId: 'music-superstar' }, wrongScope: 'reader-key-0123456789', rightScope: 'creator-key-0123456789' },
    { method: 'get', path: `/api/avatar/session/${UNKNOWN_ID}`, wrongScope: 'none', rightScope: 'reader-key-0123456789' },
    { method: 'delete', path: `/api/avatar/session/${UNKNOWN_ID}`, wrongScope: 'none', rightScope: 'reader-key-0123456789' },
    { method: 'get', path: `/api/avatar/session/${UNKNOWN_ID}/conversation`, wrongScope: 'none', rightScope: 'reader-key-0123456789' },
    { method: 'get', path: '/api/avatars', wrongScope: 'creator-key-0123456789', rightScope: ADMIN },
    { method: 'post', path: '/api/avatars', body: {}, wrongScope: 'creator-key-0123456789', rightScope: ADMIN },
    { method: 'get', path: `/api/avatars/${UNKNOWN_ID}`, wrongScope: 'creator-key-0123456789', rightScope: ADMIN },
    { method: 'get', path: '/api/documents', wrongScope: 'creator-key-0123456789', rightScope: ADMIN },
    { method: 'post', path: '/api/documents', body: {}, wrongScope: 'creator-key-0123456789', rightScope: ADMIN },
    { method: 'get', path: '/api/conversations', wrongScope: 'creator-key-0123456789', rightScope: ADMIN },
    { method: 'get', path: `/api/conversations/${UNKNOWN_ID}`, wrongScope: 'creator-key-0123456789', rightScope: ADMIN },
    { method: 'get', path: '/api/presets', wrongScope: 'creator-key-0123456789', rightScope: ADMIN },
  ];

  beforeEach(async () => {
    h = await startHarness({ ANONYMOUS_SESSIONS: 'off', CLIENTS_JSON: CLIENTS, ADMIN_API_KEYS: `ops:${ADMIN}` });
  });

  const send = (r: (typeof routes)[number], headers: Record<string, string> = {}) => {
    const req = request(h.app)[r.method](r.path).set(headers);
    return r.body ? req.send(r.body) : req;
  };

  it.each(routes)('$method $path', async (route) => {
    const none = await send(route);
    expect([none.status, none.body.code]).toEqual([401, 'UNAUTHORIZED']);
    const wrong = await send(route, bearer('not-a-key-at-all-123'));
    expect([wrong.status, wrong.body.code]).toEqual([401, 'UNAUTHORIZED']);
    if (route.wrongScope !== 'none') {
      const scoped = await send(route, bearer(route.wrongScope));
      expect([scoped.status, scoped.body.code]).toEqual([403, 'FORBIDDEN']);
    }
    const right = await send(route, bearer(route.rightScope));
    expect([401, 403]).not.toContain(right.status);
    expect(right.status).toBeLessThan(500);
  });
});

describe('a present but malformed credential', () => {
  const MALFORMED: [string, Record<string, string>][] = [
    ['Basic auth', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['another scheme', { Authorization: 'Token creator-key-0123456789' }],
    ['two tokens', { Authorization: 'Bearer creator-key-0123456789 extra' }],
    ['an empty Bearer', { Authorization: 'Bearer ' }],
    ['a bare Bearer', { Authorization: 'Bearer' }],
    ['an empty X-API-Key', { 'X-API-Key': '' }],
  ];

  it.each(MALFORMED)('%s → 401, never downgraded to anonymous (sessions and management)', async (_what, headers) => {
    h = await startHarness({ CLIENTS_JSON: CLIENTS, ADMIN_API_KEYS: `ops:${ADMIN}` }); // anonymous sessions are on
    const session = await request(h.app).post('/api/avatar/session').set(headers).send({ avatarId: 'music-superstar' });
    expect([session.status, session.body.code]).toEqual([401, 'UNAUTHORIZED']);
    expect(session.body.error).toMatch(/Authorization/);
    const admin = await request(h.app).get('/api/presets').set(headers);
    expect([admin.status, admin.body.code]).toEqual([401, 'UNAUTHORIZED']);
    expect(h.emulator.ledger().sessions).toHaveLength(0);
  });

  it('no credential at all is still anonymous', async () => {
    h = await startHarness();
    expect((await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' })).status).toBe(200);
  });
});

describe('rate limits', () => {
  it('sends draft-8 headers and a 429 with Retry-After, per client', async () => {
    h = await startHarness({ ANONYMOUS_RATE_PER_MIN: '2', CLIENTS_JSON: CLIENTS });
    const anon = () => request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' });
    const first = await anon();
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-policy']).toMatch(/"sessions";\s*q=2;\s*w=60/);
    expect(first.headers['ratelimit']).toMatch(/"sessions";\s*r=1;\s*t=\d+/);
    expect((await anon()).status).toBe(200);
    const limited = await anon();
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(h.emulator.ledger().sessions).toHaveLength(2); // refused before any upstream call
    // Another client has its own budget.
    const other = await request(h.app).post('/api/avatar/session').set(bearer('creator-key-0123456789')).send({ avatarId: 'music-superstar' });
    expect(other.status).toBe(200);
    // Health is never limited.
    expect((await request(h.app).get('/livez')).status).toBe(200);
    expect((await request(h.app).get('/metrics')).text).toMatch(/broker_rate_limited_total\{limiter="sessions"\} 1/);
  });
});

describe('concurrency caps', () => {
  it('admits exactly 3 of 50 concurrent requests for 3 global slots, refusing the rest before any upstream call', async () => {
    h = await startHarness({ GLOBAL_MAX_SESSIONS: '3' }, { readiness: { kind: 'fixed', ms: 300 } });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(47);
    for (const r of refused) {
      expect(r.status).toBe(503);
      expect(r.body.code).toBe('CAPACITY_EXHAUSTED');
      expect(r.headers['retry-after']).toBeDefined();
    }
    expect(h.emulator.ledger().sessions).toHaveLength(3);
  });

  it('caps a client at its own limit with 429 CONCURRENCY_LIMIT', async () => {
    h = await startHarness({ CLIENTS_JSON: CLIENTS }, { readiness: { kind: 'fixed', ms: 200 } });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => request(h.app).post('/api/avatar/session').set(bearer('creator-key-0123456789')).send({ avatarId: 'music-superstar' })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect([r.status, r.body.code]).toEqual([429, 'CONCURRENCY_LIMIT']);
      expect(r.headers['retry-after']).toBeDefined();
    }
  });

  it('gives the slot back when a session fails, is cancelled, or ends upstream', async () => {
    h = await startHarness({ GLOBAL_MAX_SESSIONS: '1', SESSION_FOLLOW_INTERVAL_MS: '1000' }, { durationScale: 0.001 });
    const start = () => request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' });

    h.emulator.updateSettings({ failureRate: 1 });
    expect((await start()).status).toBe(502); // failed: slot released at once
    h.emulator.updateSettings({ failureRate: 0 });

    const first = await start();
    expect(first.status).toBe(200);
    expect((await start()).body.code).toBe('CAPACITY_EXHAUSTED');
    expect((await request(h.app).delete(`/api/avatar/session/${first.body.sessionId}`)).status).toBe(204); // cancelled: released
    const second = await start();
    expect(second.status).toBe(200);

    // The 300 s session is scaled to 300 ms upstream; the follower notices it ended and frees the slot.
    await eventually(() => h.emulator.ledger().sessions.find((s) => s.id === second.body.sessionId)?.status === 'COMPLETED');
    let third: request.Response | undefined;
    for (let i = 0; i < 40 && third?.status !== 200; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      third = await start();
    }
    expect(third?.status).toBe(200);
    expect((await request(h.app).get(`/api/avatar/session/${second.body.sessionId}`)).body.status).toBe('ended');
  });

  it('sizes the global cap from the organization\'s gwm1_avatars concurrency', async () => {
    h = await startHarness({ GLOBAL_MAX_SESSIONS: '0' }, { concurrencyLimit: 4 });
    expect(await h.broker.sizeCapacity()).toBe(4);
  });

  it('keeps the default cap of 10 when Runway will not tell the organization\'s concurrency', async () => {
    h = await startHarness({ GLOBAL_MAX_SESSIONS: '0' }, { concurrencyLimit: 4 });
    h.emulator.addFault({ operation: 'organization.retrieve', action: { type: 'status', status: 403 } });
    expect(await h.broker.sizeCapacity()).toBe(10);
    h.emulator.clearFaults();
    h.emulator.addFault({ operation: 'organization.retrieve', action: { type: 'malformed', omit: ['tier'] } });
    expect(await h.broker.sizeCapacity()).toBe(10);
    expect(h.emulator.ledger().requests['organization.retrieve']).toBe(2);
  });
});

describe('policy', () => {
  it('enforces a client\'s avatar allowlist', async () => {
    h = await startHarness({ CLIENTS_JSON: CLIENTS });
    const as = (avatarId: string) => request(h.app).post('/api/avatar/session').set(bearer('kiosk-key-0123456789')).send({ avatarId });
    expect((await as('cat-character')).status).toBe(200);
    const refused = await as('music-superstar');
    expect([refused.status, refused.body.code]).toEqual([403, 'AVATAR_NOT_ALLOWED']);
  });

  it('enforces the anonymous avatar allowlist', async () => {
    h = await startHarness({ ANONYMOUS_AVATARS: 'tennis-coach' });
    const refused = await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' });
    expect(refused.body.code).toBe('AVATAR_NOT_ALLOWED');
    expect((await request(h.app).post('/api/avatar/session').send({ avatarId: 'tennis-coach' })).status).toBe(200);
  });

  it('passes granted overrides upstream, including tools', async () => {
    h = await startHarness({ ADMIN_API_KEYS: `ops:${ADMIN}` });
    const tools = [{ type: 'client_event', name: 'show_card', description: 'Show a card', parameters: [{ name: 'title', type: 'string', description: 'Title' }] }];
    const res = await request(h.app).post('/api/avatar/session').set(bearer(ADMIN)).send({ avatarId: 'music-superstar', tools, maxDuration: 120 });
    expect(res.status).toBe(200);
    const upstream = h.emulator.ledger().sessions.find((s) => s.id === res.body.sessionId)!;
    expect(upstream.toolCount).toBe(1);
    expect(upstream.requestedMaxDuration).toBe(120);
  });

  it('validates tools against Runway\'s limits before any upstream call', async () => {
    h = await startHarness({ ADMIN_API_KEYS: `ops:${ADMIN}` });
    const res = await request(h.app)
      .post('/api/avatar/session')
      .set(bearer(ADMIN))
      .send({ avatarId: 'music-superstar', tools: [{ type: 'client_event', name: '1bad name', description: 'x' }] });
    expect([res.status, res.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(h.emulator.ledger().sessions).toHaveLength(0);
  });
});

describe('Idempotency-Key', () => {
  const start = (key: string, body: object = { avatarId: 'music-superstar' }, auth: Record<string, string> = {}) =>
    request(h.app).post('/api/avatar/session').set('Idempotency-Key', key).set(auth).send(body);

  it('a retry while the first is in flight → 409; after delivery → 409 with the sessionId, never the credentials', async () => {
    h = await startHarness({}, { readiness: { kind: 'fixed', ms: 300 } });
    const [a, b] = await Promise.all([start('k-1'), start('k-1')]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const winner = a.status === 200 ? a : b;
    const loser = a.status === 200 ? b : a;
    expect(loser.body.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    const later = await start('k-1');
    expect([later.status, later.body.code, later.body.sessionId]).toEqual([409, 'CREDENTIALS_ALREADY_DELIVERED', winner.body.sessionId]);
    expect(JSON.stringify(later.body)).not.toContain(winner.body.token);
    expect(h.emulator.ledger().sessions).toHaveLength(1);
  });

  it('the same key with a different body → 422', async () => {
    h = await startHarness();
    expect((await start('k-2')).status).toBe(200);
    const res = await start('k-2', { avatarId: 'cat-character' });
    expect([res.status, res.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
  });

  it('keys are scoped per client', async () => {
    h = await startHarness({ CLIENTS_JSON: CLIENTS });
    expect((await start('shared')).status).toBe(200);
    expect((await start('shared', undefined, bearer('creator-key-0123456789'))).status).toBe(200);
  });

  it('a failure is replayed as it was, without a second upstream session', async () => {
    h = await startHarness({}, { failureRate: 1, failureCode: 'INTERNAL.X' });
    const first = await start('k-3');
    const again = await start('k-3');
    expect(first.status).toBe(502);
    expect([again.status, again.body.code, again.body.failureCode]).toEqual([502, 'SESSION_FAILED', 'INTERNAL.X']);
    expect(h.emulator.ledger().sessions).toHaveLength(1);
  });

  it('a client that hung up is not remembered: the retry with the same key starts afresh and gets its session', async () => {
    h = await startHarness({}, { readiness: { kind: 'fixed', ms: 10_000 } });
    const origin = await h.listen();
    const first = http.request(`${origin}/api/avatar/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'k-drop' } });
    first.on('error', () => undefined);
    first.end(JSON.stringify({ avatarId: 'music-superstar' }));
    await eventually(() => h.emulator.ledger().sessions.length === 1);
    first.destroy(); // the network drops
    await eventually(() => h.emulator.ledger().sessions[0]!.cancelledAt !== null);
    h.emulator.updateSettings({ readiness: { kind: 'fixed', ms: 50 } });
    let retry = await start('k-drop');
    for (let i = 0; i < 100 && retry.body.code === 'IDEMPOTENCY_IN_PROGRESS'; i += 1) retry = await start('k-drop');
    expect([retry.status, retry.body.code]).toEqual([200, undefined]);
    expect(h.emulator.ledger().sessions).toHaveLength(2);
  });

  it('a malformed key → 400', async () => {
    h = await startHarness();
    expect((await start('has spaces in it')).status).toBe(400);
  });
});

describe('JWT clients', () => {
  it('accepts an HS256 token with the right issuer and audience; the subject owns the session', async () => {
    const secret = 'a-very-long-shared-secret-for-hs256-tokens';
    h = await startHarness({ JWT_SECRET: secret, JWT_ISSUER: 'https://auth.example', JWT_AUDIENCE: 'characters-broker' });
    const sign = (claims: { iss?: string; aud?: string; exp?: number; scope?: string }) =>
      new SignJWT({ ...(claims.scope ? { scope: claims.scope } : {}) })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('user-42')
        .setIssuer(claims.iss ?? 'https://auth.example')
        .setAudience(claims.aud ?? 'characters-broker')
        .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 60)
        .sign(Buffer.from(secret));
    const ok = await request(h.app).post('/api/avatar/session').set(bearer(await sign({}))).send({ avatarId: 'music-superstar' });
    expect(ok.status).toBe(200);
    expect((await h.broker.registry.get(ok.body.sessionId))?.owner).toBe('jwt:user-42');
    const badAudience = await request(h.app).post('/api/avatar/session').set(bearer(await sign({ aud: 'other' }))).send({ avatarId: 'music-superstar' });
    expect(badAudience.status).toBe(401);
    const expired = await request(h.app).post('/api/avatar/session').set(bearer(await sign({ exp: 1000 }))).send({ avatarId: 'music-superstar' });
    expect(expired.status).toBe(401);
    const readOnly = await request(h.app).post('/api/avatar/session').set(bearer(await sign({ scope: 'sessions:read admin' }))).send({ avatarId: 'music-superstar' });
    expect([readOnly.status, readOnly.body.code]).toEqual([403, 'FORBIDDEN']);
    const noAdmin = await request(h.app).get('/api/avatars').set(bearer(await sign({ scope: 'admin' })));
    expect(noAdmin.status).toBe(403);
  });

  it('verifies RS256 tokens against a JWKS endpoint', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const jwks: Server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
      h = await startHarness({ JWT_JWKS_URL: url, JWT_ISSUER: 'iss', JWT_AUDIENCE: 'aud' });
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('u-7').setIssuer('iss').setAudience('aud').setExpirationTime('1m').sign(privateKey);
      const res = await request(h.app).post('/api/avatar/session').set(bearer(token)).send({ avatarId: 'music-superstar' });
      expect(res.status).toBe(200);
    } finally {
      jwks.close();
    }
  });
});
