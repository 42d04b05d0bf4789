import nock from 'nock';
import { AppError } from '../../src/errors';
import { AvatarsApi } from '../../src/runway/avatars';
import { ConversationsApi } from '../../src/runway/conversations';
import { DocumentsApi } from '../../src/runway/documents';
import { RealtimeSessionsApi } from '../../src/runway/sessions';
import { UploadsApi } from '../../src/runway/uploads';
import { Upstream } from '../../src/runway/upstream';
import { capturingLogger } from '../support/silent-logger';

// Every adapter checks the fields of Runway's answers that the broker reads: a well-formed answer
// passes through unchanged, a malformed one is 502 UPSTREAM_INVALID_RESPONSE (never retried, never a
// 500 or an `undefined` travelling on), and the log names the fields but never their values.

const BASE = 'http://runway.test';
const ID = '0b4f2c1e-8a8b-4c43-9d7e-2f6a3c5b7e11';
const NOW = '2026-11-30T12:00:00.000Z';

function setup() {
  const log = capturingLogger();
  // nock intercepts the global fetch, not the pool's sockets: these tests go through fetch.
  const fetch: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, init);
  const upstream = new Upstream({ apiKey: 'key_unit_test_secret', baseURL: BASE, attemptTimeoutMs: 2000, retry: { retries: 3, minDelayMs: 10, maxDelayMs: 50 }, logger: log.logger, fetch });
  return {
    log,
    sessions: new RealtimeSessionsApi(upstream),
    avatars: new AvatarsApi(upstream),
    documents: new DocumentsApi(upstream),
    conversations: new ConversationsApi(upstream),
    uploads: new UploadsApi(upstream),
  };
}

async function invalid(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect([(err as AppError).code, (err as AppError).status]).toEqual(['UPSTREAM_INVALID_RESPONSE', 502]);
  return err as AppError;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const avatar = { id: ID, name: 'Ada', status: 'READY', documentIds: [], createdAt: NOW, updatedAt: NOW };
const document = { id: ID, name: 'Doc', type: 'text', content: 'hello', createdAt: NOW, updatedAt: NOW, usedBy: [] };
const conversation = { id: ID, name: 'Call', status: 'ended', avatar: { type: 'custom', id: ID }, createdAt: NOW, startedAt: NOW, endedAt: NOW, duration: 12, transcript: [] };
const page = (data: unknown[]) => ({ data, hasMore: false, nextCursor: null });

describe('realtime sessions', () => {
  it('create: a 200 without an id → 502, sent once', async () => {
    const { sessions, log } = setup();
    const scope = nock(BASE).post('/v1/realtime_sessions').reply(200, { status: 'NOT_READY' });
    const err = await invalid(sessions.create({ model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: 'music-superstar' } }));
    expect(err.message).toContain('id');
    expect(scope.isDone()).toBe(true);
    expect(log.text()).toContain('upstream response has an unexpected shape');
  });

  it('create: an id that is not a string → 502', async () => {
    nock(BASE).post('/v1/realtime_sessions').reply(200, { id: 42 });
    await invalid(setup().sessions.create({ model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: 'music-superstar' } }));
  });

  it.each([
    ['an unknown status', { id: ID, createdAt: NOW, status: 'WARMING_UP' }],
    ['READY without its sessionKey', { id: ID, createdAt: NOW, status: 'READY', expiresAt: NOW }],
    ['READY without expiresAt', { id: ID, createdAt: NOW, status: 'READY', sessionKey: 'sk_secret_value_123' }],
    ['no id', { createdAt: NOW, status: 'RUNNING' }],
    ['FAILED without failureCode', { id: ID, createdAt: NOW, status: 'FAILED', failure: 'x' }],
    ['not an object', 'READY'],
  ])('retrieve: %s → 502, not retried, and no value is logged', async (_what, body) => {
    const { sessions, log } = setup();
    const scope = nock(BASE).get(`/v1/realtime_sessions/${ID}`).reply(200, body as object);
    await invalid(sessions.retrieve(ID));
    expect(scope.isDone()).toBe(true);
    expect(log.text()).not.toContain('sk_secret_value_123');
  });

  it('retrieve: each documented variant passes through unchanged', async () => {
    const variants = [
      { id: ID, createdAt: NOW, status: 'NOT_READY', queued: true },
      { id: ID, createdAt: NOW, status: 'READY', sessionKey: 'sk', expiresAt: NOW, extra: 'kept' },
      { id: ID, createdAt: NOW, status: 'RUNNING' },
      { id: ID, createdAt: NOW, status: 'COMPLETED', duration: 3 },
      { id: ID, createdAt: NOW, status: 'FAILED', failure: 'x', failureCode: 'INTERNAL.X' },
      { id: ID, createdAt: NOW, status: 'CANCELLED' },
    ];
    const { sessions } = setup();
    for (const v of variants) {
      nock(BASE).get(`/v1/realtime_sessions/${ID}`).reply(200, v);
      await expect(sessions.retrieve(ID)).resolves.toEqual(v);
    }
  });

  it('cancel: Runway answers 204 without a body, so there is nothing to check beyond the status', async () => {
    nock(BASE).delete(`/v1/realtime_sessions/${ID}`).reply(204);
    await expect(setup().sessions.cancel(ID)).resolves.toBe('cancelled');
  });

  it('consume: credentials without a token → 502', async () => {
    nock(BASE).post(`/v1/realtime_sessions/${ID}/consume`).reply(200, { url: 'wss://lk.example', roomName: 'r' });
    await invalid(setup().sessions.consume(ID, 'sk'));
  });
});

describe('avatars', () => {
  it('create, retrieve, update, list and usage pass a well-formed answer through', async () => {
    const { avatars } = setup();
    nock(BASE).post('/v1/avatars').reply(200, avatar);
    nock(BASE).get(`/v1/avatars/${ID}`).reply(200, avatar);
    nock(BASE).patch(`/v1/avatars/${ID}`).reply(200, avatar);
    nock(BASE).get('/v1/avatars').query(true).reply(200, page([avatar]));
    nock(BASE).get('/v1/avatar_usage').query(true).reply(200, { totalSessions: 0, byDay: [] });
    await expect(avatars.create({ name: 'Ada' } as never)).resolves.toEqual(avatar);
    await expect(avatars.retrieve(ID)).resolves.toEqual(avatar);
    await expect(avatars.update(ID, { name: 'Ada' })).resolves.toEqual(avatar);
    await expect(avatars.list({})).resolves.toEqual({ data: [avatar], hasMore: false, nextCursor: null });
    await expect(avatars.usage({ startDate: NOW, endDate: NOW })).resolves.toEqual({ totalSessions: 0, byDay: [] });
  });

  it.each([
    ['create', (api: AvatarsApi) => api.create({ name: 'Ada' } as never), () => nock(BASE).post('/v1/avatars').reply(200, { name: 'Ada' })],
    ['retrieve', (api: AvatarsApi) => api.retrieve(ID), () => nock(BASE).get(`/v1/avatars/${ID}`).reply(200, { ...avatar, documentIds: 'none' })],
    ['update', (api: AvatarsApi) => api.update(ID, { name: 'Ada' }), () => nock(BASE).patch(`/v1/avatars/${ID}`).reply(200, { ...avatar, status: undefined })],
    ['list', (api: AvatarsApi) => api.list({}), () => nock(BASE).get('/v1/avatars').query(true).reply(200, page([{ name: 'no id' }]))],
    ['usage', (api: AvatarsApi) => api.usage({ startDate: NOW, endDate: NOW }), () => nock(BASE).get('/v1/avatar_usage').query(true).reply(200, '"nothing"', { 'content-type': 'application/json' })],
  ])('%s: a malformed answer → 502', async (_op, call, reply) => {
    reply();
    await invalid(call(setup().avatars));
  });
});

describe('documents', () => {
  it('create, retrieve and list pass a well-formed answer through', async () => {
    const { documents } = setup();
    nock(BASE).post('/v1/documents').reply(200, document);
    nock(BASE).get(`/v1/documents/${ID}`).reply(200, document);
    nock(BASE).get('/v1/documents').query(true).reply(200, page([document]));
    await expect(documents.create({ name: 'Doc', content: 'hello' } as never)).resolves.toEqual(document);
    await expect(documents.retrieve(ID)).resolves.toEqual(document);
    await expect(documents.list({} as never)).resolves.toMatchObject({ data: [document] });
  });

  it.each([
    ['create', (api: DocumentsApi) => api.create({ name: 'Doc', content: 'x' } as never), () => nock(BASE).post('/v1/documents').reply(200, { ...document, content: undefined })],
    ['retrieve', (api: DocumentsApi) => api.retrieve(ID), () => nock(BASE).get(`/v1/documents/${ID}`).reply(200, { ...document, usedBy: null })],
    ['list', (api: DocumentsApi) => api.list({} as never), () => nock(BASE).get('/v1/documents').query(true).reply(200, { data: 'oops' })],
  ])('%s: a malformed answer → 502', async (_op, call, reply) => {
    reply();
    await invalid(call(setup().documents));
  });
});

describe('conversations', () => {
  it('retrieve and list pass a well-formed answer through', async () => {
    const { conversations } = setup();
    nock(BASE).get(`/v1/avatar_conversations/${ID}`).reply(200, conversation);
    nock(BASE).get('/v1/avatar_conversations').query(true).reply(200, page([conversation]));
    await expect(conversations.retrieve(ID)).resolves.toEqual(conversation);
    await expect(conversations.list({})).resolves.toMatchObject({ data: [conversation] });
  });

  it.each([
    ['retrieve', (api: ConversationsApi) => api.retrieve(ID), () => nock(BASE).get(`/v1/avatar_conversations/${ID}`).reply(200, { ...conversation, transcript: [{ role: 'narrator', content: 'x' }] })],
    ['list', (api: ConversationsApi) => api.list({}), () => nock(BASE).get('/v1/avatar_conversations').query(true).reply(200, page([{ status: 'ended' }]))],
  ])('%s: a malformed answer → 502', async (_op, call, reply) => {
    reply();
    await invalid(call(setup().conversations));
  });
});

describe('uploads', () => {
  it('an upload slot without its runway:// URI → 502', async () => {
    nock(BASE).post('/v1/uploads').reply(200, { uploadUrl: 'http://storage.test/slot', fields: {} });
    nock('http://storage.test').post('/slot').reply(204);
    await invalid(setup().uploads.createEphemeral(Buffer.from('png'), 'image.png'));
  });

  it('a well-formed slot gives the URI', async () => {
    nock(BASE).post('/v1/uploads').reply(200, { uploadUrl: 'http://storage.test/slot', fields: {}, runwayUri: 'runway://upload/1' });
    nock('http://storage.test').post('/slot').reply(204);
    await expect(setup().uploads.createEphemeral(Buffer.from('png'), 'image.png')).resolves.toBe('runway://upload/1');
  });
});
