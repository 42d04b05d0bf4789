import { consumeSession } from '@runwayml/avatars/api';
import request from 'supertest';
import { sessionOf, startHarness, type Harness } from '../support/harness';

// The broker as Runway's own browser clients use it, with their published code where it can run in Node.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ SESSION_KEY_SHAPE_ENABLED: 'true' });
});
afterAll(() => h.close());

describe('@runwayml/avatars (framework-agnostic client) with ?shape=sessionKey', () => {
  it('consumes the key the broker hands out, exactly once', async () => {
    const res = await request(h.app).post('/api/avatar/session?shape=sessionKey').send({ avatarId: 'music-superstar' });
    expect(res.status).toBe(200);
    const { sessionId, sessionKey } = res.body;
    const credentials = await consumeSession({ sessionId, sessionKey, baseUrl: h.emulator.url });
    expect(credentials).toMatchObject({ url: expect.stringMatching(/^wss?:\/\//), token: expect.any(String), roomName: expect.any(String) });
    expect(sessionOf(h.emulator, sessionId).status).toBe('RUNNING');
    await expect(consumeSession({ sessionId, sessionKey, baseUrl: h.emulator.url })).rejects.toMatchObject({ code: 'CONSUME_FAILED' });
  });
});

describe('<AvatarCall connectUrl> (React SDK) conventions', () => {
  // useCredentials treats a body as the key shape only when sessionId and sessionKey are strings and
  // there is no serverUrl; otherwise it hands serverUrl/token to LiveKit unvalidated.
  const isKeyShape = (b: Record<string, unknown>) => typeof b.sessionId === 'string' && typeof b.sessionKey === 'string' && !('serverUrl' in b);

  it('gets the full shape by default, which the SDK passes straight to LiveKit', async () => {
    const res = await request(h.app).post('/api/avatar/session').set('Content-Type', 'application/json').send({ avatarId: 'cat-character' });
    expect(res.ok).toBe(true);
    expect(isKeyShape(res.body)).toBe(false);
    for (const field of ['sessionId', 'serverUrl', 'token', 'roomName']) expect(typeof res.body[field]).toBe('string');
  });

  it('never gets a 2xx without credentials, and errors stay short enough to read in "Failed to connect: <status> <body>"', async () => {
    h.emulator.updateSettings({ failureRate: 1 });
    try {
      const res = await request(h.app).post('/api/avatar/session').send({ avatarId: 'cat-character' });
      expect(res.ok).toBe(false);
      expect(typeof res.body.error).toBe('string');
      expect(res.text.length).toBeLessThan(300);
    } finally {
      h.emulator.updateSettings({ failureRate: 0 });
    }
  });
});
