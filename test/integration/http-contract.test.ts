import request from 'supertest';
import { eventually, sessionOf, startHarness, type Harness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    CORS_ORIGINS: 'https://app.example.com',
    ADMIN_API_KEYS: 'ops:admin-key-123',
    CLIENTS_JSON: JSON.stringify([{ name: 'app', key: 'app-key-0123456789' }]),
  });
});
afterAll(() => h.close());

const post = () => request(h.app).post('/api/avatar/session');

function expectError(res: request.Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ code, error: expect.any(String), requestId: expect.any(String) });
  expect(res.headers['content-type']).toMatch(/application\/json/);
}

describe('bad input is a clear 4xx, never a 500, and starts nothing upstream', () => {
  afterAll(() => expect(h.emulator.ledger().sessions).toHaveLength(0));

  it('missing avatarId → 400 with issues[]', async () => {
    const res = await post().send({});
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.body.issues).toEqual([expect.objectContaining({ path: 'avatarId' })]);
  });

  it('wrong types → 400 naming each field', async () => {
    const res = await post().send({ avatarId: 42, maxDuration: 'long' });
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['avatarId', 'maxDuration']);
  });

  it('an id that is neither a preset nor a UUID → 400 listing the presets', async () => {
    const res = await post().send({ avatarId: 'not-an-avatar' });
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.body.issues[0].message).toContain('music-superstar');
  });

  it('avatarType that contradicts the id → 400', async () => {
    expectError(await post().send({ avatarId: 'music-superstar', avatarType: 'custom' }), 400, 'INVALID_REQUEST');
  });

  it('maxDuration outside 10..1800 → 400', async () => {
    const asAdmin = () => post().set('Authorization', 'Bearer admin-key-123');
    expectError(await asAdmin().send({ avatarId: 'music-superstar', maxDuration: 5 }), 400, 'INVALID_REQUEST');
    expectError(await asAdmin().send({ avatarId: 'music-superstar', maxDuration: 1801 }), 400, 'INVALID_REQUEST');
  });

  it('malformed JSON → 400', async () => {
    expectError(await post().set('Content-Type', 'application/json').send('{"avatarId": '), 400, 'INVALID_REQUEST');
  });

  it('a non-JSON body → 415 asking for JSON', async () => {
    const res = await post().set('Content-Type', 'text/plain').send('avatarId=music-superstar');
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(res.body.error).toContain('application/json');
  });

  it('a huge body → 413', async () => {
    expectError(await post().send({ avatarId: 'music-superstar', pad: 'x'.repeat(100_000) }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('an array body → 400', async () => {
    expectError(await post().send([1, 2]), 400, 'INVALID_REQUEST');
  });

  it('per-session overrides are refused for callers not granted them (anonymous never are)', async () => {
    const res = await post().send({ avatarId: 'music-superstar', personality: 'Be a pirate.', maxDuration: 60 });
    expectError(res, 403, 'OVERRIDE_NOT_ALLOWED');
    expect(res.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['maxDuration', 'personality']);
  });

  it('personality on a preset avatar is refused even for a client granted overrides', async () => {
    const res = await post().set('Authorization', 'Bearer admin-key-123').send({ avatarId: 'music-superstar', personality: 'Be a pirate.' });
    expectError(res, 400, 'INVALID_REQUEST');
  });

  it('?shape=sessionKey is refused while the option is off', async () => {
    expectError(await request(h.app).post('/api/avatar/session?shape=sessionKey').send({ avatarId: 'music-superstar' }), 400, 'INVALID_REQUEST');
  });

  it('unknown routes → 404 JSON', async () => {
    expectError(await request(h.app).get('/nope'), 404, 'NOT_FOUND');
  });
});

describe('headers', () => {
  it('honours a well-formed X-Request-Id and echoes it in the body of errors', async () => {
    const res = await post().set('X-Request-Id', 'req-abc.123').send({});
    expect(res.headers['x-request-id']).toBe('req-abc.123');
    expect(res.body.requestId).toBe('req-abc.123');
  });

  it('replaces a malformed X-Request-Id with a fresh one', async () => {
    const res = await request(h.app).get('/livez').set('X-Request-Id', 'bad id <script>');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets helmet\'s security headers', async () => {
    const res = await request(h.app).get('/livez');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('CORS for a cross-origin <AvatarCall connectUrl>', () => {
  it('answers the JSON preflight for an allowed origin', async () => {
    const res = await request(h.app)
      .options('/api/avatar/session')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']).toMatch(/content-type/i);
  });

  it('refuses a preflight from an unlisted origin with a clear 403', async () => {
    const res = await request(h.app)
      .options('/api/avatar/session')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expectError(res, 403, 'CORS_ORIGIN_DENIED');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('adds no CORS headers to responses for an unlisted origin', async () => {
    const res = await request(h.app).get('/livez').set('Origin', 'https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('status and cancel are for the session\'s owner only', () => {
  let sessionId: string;
  beforeAll(async () => {
    const res = await post().send({ avatarId: 'music-superstar' });
    expect(res.status).toBe(200);
    sessionId = res.body.sessionId;
  });

  it('the owner sees the status, never credentials', async () => {
    const res = await request(h.app).get(`/api/avatar/session/${sessionId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sessionId, status: 'delivered', upstreamStatus: 'RUNNING', shape: 'credentials' });
    expect(res.body).not.toHaveProperty('token');
    expect(res.body).not.toHaveProperty('sessionKey');
    expect(res.body).not.toHaveProperty('serverUrl');
  });

  it('another client gets 404, as if the session did not exist', async () => {
    const res = await request(h.app).get(`/api/avatar/session/${sessionId}`).set('Authorization', 'Bearer app-key-0123456789');
    expectError(res, 404, 'NOT_FOUND');
    expectError(await request(h.app).delete(`/api/avatar/session/${sessionId}`).set('Authorization', 'Bearer app-key-0123456789'), 404, 'NOT_FOUND');
  });

  it('an admin may read any session', async () => {
    const res = await request(h.app).get(`/api/avatar/session/${sessionId}`).set('Authorization', 'Bearer admin-key-123');
    expect(res.status).toBe(200);
  });

  it('a wrong API key is refused, not treated as anonymous', async () => {
    expectError(await request(h.app).get(`/api/avatar/session/${sessionId}`).set('Authorization', 'Bearer wrong'), 401, 'UNAUTHORIZED');
  });

  it('malformed and unknown ids → 400 and 404', async () => {
    expectError(await request(h.app).get('/api/avatar/session/not-a-uuid'), 400, 'INVALID_REQUEST');
    expectError(await request(h.app).get('/api/avatar/session/5d7c1c9e-1111-4a4a-8b8b-0123456789ab'), 404, 'NOT_FOUND');
  });

  it('the owner cancels with DELETE → 204, the call ends upstream, and a repeat is still 204', async () => {
    expect((await request(h.app).delete(`/api/avatar/session/${sessionId}`)).status).toBe(204);
    await eventually(() => sessionOf(h.emulator, sessionId).status === 'CANCELLED');
    expect((await request(h.app).delete(`/api/avatar/session/${sessionId}`)).status).toBe(204);
    const status = await request(h.app).get(`/api/avatar/session/${sessionId}`);
    expect(status.body).toMatchObject({ status: 'cancelled', upstreamStatus: 'CANCELLED' });
  });
});
