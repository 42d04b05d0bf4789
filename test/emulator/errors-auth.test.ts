// Auth, version header, validation and Runway-shaped error bodies.
import RunwayML from '@runwayml/sdk';
import type { EmulatorHandle } from '../../src/emulator';
import { call, sdk, start } from './helpers';

const DOC_URL = 'https://docs.dev.runwayml.com/api';
let em: EmulatorHandle;
beforeEach(async () => {
  em = await start();
});
afterEach(() => em.close());

describe('auth', () => {
  test('missing or wrong API key → 401 {error}; AuthenticationError in the SDK', async () => {
    expect(await call(em, 'GET', '/v1/avatars', { auth: null })).toMatchObject({ status: 401, body: { error: expect.any(String) } });
    expect((await call(em, 'GET', '/v1/avatars', { auth: 'nope' })).status).toBe(401);
    const wrong = new RunwayML({ apiKey: 'nope', baseURL: em.url, maxRetries: 0 });
    await expect(wrong.avatars.list({})).rejects.toBeInstanceOf(RunwayML.AuthenticationError);
  });

  test('apiKey null accepts any non-empty Bearer', async () => {
    em.updateSettings({ apiKey: null });
    expect(em.apiKey).toBeNull();
    expect((await call(em, 'GET', '/v1/avatars', { auth: 'anything' })).status).toBe(200);
    expect((await call(em, 'GET', '/v1/avatars', { auth: null })).status).toBe(401);
  });

  test('X-Runway-Version: missing → 400 by default, accepted when the toggle is off; wrong value → 400', async () => {
    expect(await call(em, 'GET', '/v1/avatars', { version: null })).toMatchObject({ status: 400, body: { error: expect.stringContaining('X-Runway-Version') } });
    expect((await call(em, 'GET', '/v1/avatars', { version: '2023-01-01' })).status).toBe(400);
    em.updateSettings({ requireVersionHeader: false });
    expect((await call(em, 'GET', '/v1/avatars', { version: null })).status).toBe(200);
  });
});

describe('validation', () => {
  test('bad session body → 400 with zod issues and docUrl', async () => {
    const res = await call(em, 'POST', '/v1/realtime_sessions', {
      body: { model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: 'influencer' }, maxDuration: 5000, livekitt: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'Validation of body failed', issues: expect.any(Array), docUrl: DOC_URL });
    const codes = res.body.issues.map((i: { code: string }) => i.code).sort();
    expect(codes).toEqual(['too_big', 'unrecognized_keys']);
    expect(res.body.issues.find((i: { code: string }) => i.code === 'too_big').message).toBe('Too big: expected number to be <=1800');
  });

  test.each([
    [{ model: 'gwm1_avatars', avatar: { type: 'preset', presetId: 'influencer' } }, 'avatar'],
    [{ model: 'gwm1_avatars', avatar: { type: 'custom', customId: 'x' } }, 'avatar'],
    [{ model: 'gwm2', avatar: { type: 'runway-preset', presetId: 'influencer' } }, 'model'],
    [{ model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: 'influencer' }, maxDuration: 9 }, 'maxDuration'],
    [{ model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: 'influencer' }, tools: [{ type: 'client_event', name: '1bad', description: 'd' }] }, 'tools'],
    [{ model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: 'influencer' }, integration: { type: 'elevenlabs', signedUrl: 'http://x.test' } }, 'integration'],
  ])('session create rejects %j (path %s)', async (body, field) => {
    const res = await call(em, 'POST', '/v1/realtime_sessions', { body });
    expect(res.status).toBe(400);
    expect(res.body.issues[0].path[0]).toBe(field);
  });

  test('the SDK surfaces it as BadRequestError with the body in err.error', async () => {
    const err = await sdk(em).avatars.create({ name: '', personality: 'p', referenceImage: 'ftp://x', voice: { type: 'runway-live-preset', presetId: 'nobody' } } as never).catch((e) => e);
    expect(err).toBeInstanceOf(RunwayML.BadRequestError);
    expect(err.error.error).toBe('Validation of body failed');
    expect(err.error.issues.map((i: { path: string[] }) => i.path[0]).sort()).toEqual(['name', 'referenceImage', 'voice']);
  });

  test('PATCH with an empty body → 400 (at least one field)', async () => {
    const doc = await sdk(em).documents.create({ name: 'd', content: 'c' });
    expect((await call(em, 'PATCH', `/v1/documents/${doc.id}`, { body: {} })).status).toBe(400);
  });

  test('malformed JSON → 400 {error}', async () => {
    const res = await call(em, 'POST', '/v1/realtime_sessions', { rawBody: '{"model":' });
    expect(res).toMatchObject({ status: 400, body: { error: expect.any(String) } });
    expect(Object.keys(res.body)).toEqual(['error']);
  });

  test('missing body → 400 validation, not a crash', async () => {
    const res = await call(em, 'POST', '/v1/documents');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Validation of body failed');
  });

  test('query validation: limit out of range, bad cursor, bad sort', async () => {
    expect((await call(em, 'GET', '/v1/avatars?limit=0')).body.error).toBe('Validation of query failed');
    expect((await call(em, 'GET', '/v1/avatars?limit=101')).status).toBe(400);
    expect((await call(em, 'GET', '/v1/avatars?cursor=%%%')).status).toBe(400);
    expect((await call(em, 'GET', '/v1/documents?sort=name')).status).toBe(400);
    expect((await call(em, 'GET', '/v1/avatar_usage?startDate=2026-01-01T00:00:00Z')).status).toBe(400);
    expect((await call(em, 'GET', '/v1/avatar_usage?startDate=2026-01-01T00:00:00Z&endDate=2026-06-01T00:00:00Z')).status).toBe(400);
  });

  test('malformed path id → 400 by default, 404 when malformedIdStatus is 404', async () => {
    const res = await call(em, 'GET', '/v1/realtime_sessions/not-a-uuid');
    expect(res).toMatchObject({ status: 400, body: { error: 'Validation of params failed', docUrl: DOC_URL } });
    em.updateSettings({ malformedIdStatus: 404 });
    expect(await call(em, 'GET', '/v1/avatars/not-a-uuid')).toMatchObject({ status: 404, body: { error: expect.any(String) } });
  });

  test('ids are case-insensitive', async () => {
    const doc = await sdk(em).documents.create({ name: 'd', content: 'c' });
    expect((await call(em, 'GET', `/v1/documents/${doc.id.toUpperCase()}`)).body.id).toBe(doc.id);
  });

  test('unknown routes → 404 {error}; success statuses are 200, never 201', async () => {
    expect(await call(em, 'GET', '/v1/nope')).toMatchObject({ status: 404, body: { error: expect.any(String) } });
    expect((await call(em, 'POST', '/v1/documents', { body: { name: 'n', content: 'c' } })).status).toBe(200);
  });
});
