import request from 'supertest';
import WebSocket from 'ws';
import { EMULATOR_KEY, sessionOf, startHarness, type Harness } from '../support/harness';

// The happy path, as <AvatarCall connectUrl="/api/avatar/session"> experiences it.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ SESSION_KEY_SHAPE_ENABLED: 'true', ADMIN_API_KEYS: 'ops:admin-key-for-tests' });
});
afterAll(() => h.close());

const create = (body: object = { avatarId: 'music-superstar' }, path = '/api/avatar/session') =>
  request(h.app).post(path).set('Content-Type', 'application/json').send(body);

describe('POST /api/avatar/session', () => {
  it('returns fresh, consumed LiveKit credentials in the exact shape the React SDK reads', async () => {
    const res = await create();
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['expiresAt', 'maxDuration', 'roomName', 'serverUrl', 'sessionId', 'token']);
    expect(res.body.serverUrl).toMatch(/^wss?:\/\//);
    expect(typeof res.body.token).toBe('string');
    expect(res.body.maxDuration).toBe(300);
    // The React SDK treats a body as the key shape only when it has sessionKey and no serverUrl.
    expect(res.body.sessionKey).toBeUndefined();
    const upstream = sessionOf(h.emulator, res.body.sessionId);
    expect(upstream.status).toBe('RUNNING');
    expect(upstream.consumeSuccesses).toBe(1);
    expect(upstream.avatar).toMatchObject({ type: 'runway-preset', presetId: 'music-superstar' });
    expect(Date.parse(res.body.expiresAt) - Date.now()).toBeGreaterThan(290_000);
  });

  it('hands out credentials that a LiveKit client can actually dial in with', async () => {
    const res = await create();
    const socket = new WebSocket(`${res.body.serverUrl}/rtc?access_token=${encodeURIComponent(res.body.token)}`);
    await new Promise<void>((resolve, reject) => {
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    expect(sessionOf(h.emulator, res.body.sessionId).livekitDialIns).toBe(1);
  });

  it('ignores unknown query parameters such as the ?attempt= cache-busting nonce', async () => {
    const res = await create({ avatarId: 'cat-character' }, '/api/avatar/session?attempt=3&x=y');
    expect(res.status).toBe(200);
    expect(res.body.token).toBeTruthy();
  });

  it('starts a new session on every call and consumes each exactly once', async () => {
    const responses = await Promise.all([create(), create(), create(), create(), create()]);
    const ids = responses.map((r) => r.body.sessionId);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(sessionOf(h.emulator, id).consumeAttempts).toBe(1);
    expect(new Set(responses.map((r) => r.body.token)).size).toBe(5);
  });

  it('clamps maxDuration to the client\'s cap and reports the applied value', async () => {
    const asAdmin = (body: object) => create(body).set('Authorization', 'Bearer admin-key-for-tests');
    const res = await asAdmin({ avatarId: 'influencer', maxDuration: 1800 });
    expect(res.status).toBe(200);
    expect(res.body.maxDuration).toBe(300);
    expect(sessionOf(h.emulator, res.body.sessionId).requestedMaxDuration).toBe(300);
    const shorter = await asAdmin({ avatarId: 'influencer', maxDuration: 60 });
    expect(shorter.body.maxDuration).toBe(60);
  });

  it('passes a custom avatar UUID through as a custom avatar', async () => {
    const avatar = await fetch(`${h.emulator.url}/v1/avatars`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${EMULATOR_KEY}`, 'X-Runway-Version': '2024-11-06', 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'Test',
        referenceImage: 'https://example.com/face.png',
        personality: 'Friendly.',
        voice: { type: 'runway-live-preset', presetId: 'clara' },
      }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    await new Promise((r) => setTimeout(r, 30));
    const res = await create({ avatarId: avatar.id.toUpperCase() });
    expect(res.status).toBe(200);
    expect(sessionOf(h.emulator, res.body.sessionId).avatar).toMatchObject({ type: 'custom', avatarId: avatar.id });
  });

  it('answers 404 AVATAR_NOT_FOUND when Runway says the custom avatar does not exist', async () => {
    h.emulator.updateSettings({ unknownAvatarStatus: 404 });
    const res = await create({ avatarId: '5d7c1c9e-1111-4a4a-8b8b-0123456789ab' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'AVATAR_NOT_FOUND' });
    expect(typeof res.body.requestId).toBe('string');
  });

  it('explains a 400 for a custom avatar in avatar terms, without Runway\'s text', async () => {
    h.emulator.updateSettings({ unknownAvatarStatus: 400 });
    const res = await create({ avatarId: '5d7c1c9e-1111-4a4a-8b8b-0123456789ab' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'UPSTREAM_REJECTED', error: expect.stringContaining('custom avatar exists and is READY') });
  });
});

describe('?shape=sessionKey (opt-in, for @runwayml/avatars)', () => {
  it('returns an unconsumed key that the browser can consume exactly once', async () => {
    const res = await create({ avatarId: 'tennis-coach' }, '/api/avatar/session?shape=sessionKey');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['expiresAt', 'sessionId', 'sessionKey']);
    expect(sessionOf(h.emulator, res.body.sessionId).consumeAttempts).toBe(0);
    const consume = () =>
      fetch(`${h.emulator.url}/v1/realtime_sessions/${res.body.sessionId}/consume`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${res.body.sessionKey}` },
      });
    expect((await consume()).status).toBe(200);
    expect((await consume()).ok).toBe(false);
  });
});

describe('one-time credentials', () => {
  it('never keeps credentials: the registry holds only non-secret facts', async () => {
    const res = await create();
    const record = await h.broker.registry.get(res.body.sessionId);
    const stored = JSON.stringify(record);
    expect(record).toMatchObject({ status: 'delivered', owner: expect.stringMatching(/^anon:/) });
    expect(stored).not.toContain(res.body.token);
    expect(stored).not.toContain(res.body.serverUrl);
    expect(stored).not.toMatch(/sessionKey|token/);
  });

  it('never writes the token, the sessionKey or the API key to the logs', async () => {
    const credentials = await create();
    const key = await create({ avatarId: 'human-resource' }, '/api/avatar/session?shape=sessionKey');
    await request(h.app).get(`/api/avatar/session/${credentials.body.sessionId}`);
    const logs = h.logs.text();
    expect(logs).toContain(credentials.body.sessionId); // lifecycle events are logged, with ids
    expect(logs).not.toContain(credentials.body.token);
    expect(logs).not.toContain(key.body.sessionKey);
    expect(logs).not.toContain(EMULATOR_KEY);
  });
});
