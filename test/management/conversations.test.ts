import RunwayML from '@runwayml/sdk';
import request from 'supertest';
import { ADMIN, sleep, startManagement, upstreamCalls, type ManagementWorld } from '../support/management';

let world: ManagementWorld;
beforeAll(async () => {
  world = await startManagement();
});
afterAll(() => world.close());
afterEach(() => world.emulator.clearFaults());

const app = () => request(world.app);

/** A session started through the broker (anonymously unless headers say otherwise): credentials consumed, call running. */
async function brokerSession(avatarId = 'music-superstar', headers: Record<string, string> = {}): Promise<string> {
  const res = await app().post('/api/avatar/session').set(headers).send({ avatarId }).expect(200);
  return res.body.sessionId;
}

async function endSession(id: string): Promise<void> {
  const res = await fetch(`${world.emulator.url}/__emulator/sessions/${id}/end`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'COMPLETED' }),
  });
  expect(res.status).toBe(200);
}

/** A session with a backend_rpc tool, created and consumed directly against the emulator, so its transcript has a tool call. */
async function sessionWithTool(): Promise<string> {
  const sdk = new RunwayML({ apiKey: 'x', baseURL: world.emulator.url, maxRetries: 0 });
  const { id } = await sdk.realtimeSessions.create({
    model: 'gwm1_avatars',
    avatar: { type: 'runway-preset', presetId: 'cooking-teacher' },
    tools: [{ type: 'backend_rpc', name: 'lookup_recipe', description: 'Finds a recipe by dish name.' }],
  });
  for (let i = 0; i < 200; i++) {
    const s = await sdk.realtimeSessions.retrieve(id);
    if (s.status === 'READY') {
      const consumed = await fetch(`${world.emulator.url}/v1/realtime_sessions/${id}/consume`, { method: 'POST', headers: { authorization: `Bearer ${s.sessionKey}` } });
      expect(consumed.status).toBe(200);
      return id;
    }
    await sleep(10);
  }
  throw new Error('session never READY');
}

describe('list', () => {
  it('lists with pagination and filters by avatar and date range', async () => {
    const { body: avatar } = await app()
      .post('/api/avatars')
      .set(ADMIN)
      .send({ name: 'Custom', personality: 'P', voice: 'clara', referenceImage: 'https://example.com/f.jpg' })
      .expect(201);
    for (let i = 0; i < 100; i++) {
      if ((await app().get(`/api/avatars/${avatar.id}`).set(ADMIN)).body.status === 'READY') break;
      await sleep(10);
    }
    const presetSession = await brokerSession();
    const customSession = await brokerSession(avatar.id);

    const page = await app().get('/api/conversations?limit=1').set(ADMIN).expect(200);
    expect(page.body).toEqual({ data: [expect.objectContaining({ id: customSession })], hasMore: true, nextCursor: expect.any(String) });
    const next = await app().get(`/api/conversations?limit=1&cursor=${encodeURIComponent(page.body.nextCursor)}`).set(ADMIN).expect(200);
    expect(next.body.data[0].id).toBe(presetSession);

    const byAvatar = await app().get(`/api/conversations?avatarId=${avatar.id}`).set(ADMIN).expect(200);
    expect(byAvatar.body.data.map((c: { id: string }) => c.id)).toEqual([customSession]);
    expect(byAvatar.body.data[0].avatar).toEqual({ type: 'custom', id: avatar.id, name: 'Custom' });

    const future = await app().get('/api/conversations?startDate=2099-01-01').set(ADMIN).expect(200);
    expect(future.body).toEqual({ data: [], hasMore: false, nextCursor: null });
    const past = await app().get(`/api/conversations?startDate=2020-01-01&endDate=${new Date(Date.now() + 60_000).toISOString()}`).set(ADMIN).expect(200);
    expect(past.body.data.length).toBeGreaterThanOrEqual(2);
  });

  it('validates filters before calling Runway', async () => {
    const before = upstreamCalls(world.emulator, 'avatarConversations.list');
    await app().get('/api/conversations?avatarId=music-superstar').set(ADMIN).expect(400);
    await app().get('/api/conversations?startDate=soon').set(ADMIN).expect(400);
    await app().get('/api/conversations?startDate=2026-02-01&endDate=2026-01-01').set(ADMIN).expect(400);
    await app().get('/api/conversations?limit=500').set(ADMIN).expect(400);
    expect(upstreamCalls(world.emulator, 'avatarConversations.list')).toBe(before);
  });
});

describe('retrieve, transcript, delete', () => {
  it('retrieves the conversation with its transcript and a recordingUrl once ended, never cached', async () => {
    const id = await brokerSession();
    const running = await app().get(`/api/conversations/${id}`).set(ADMIN).expect(200);
    expect(running.body).toMatchObject({ id, status: 'in_progress', recordingUrl: null });
    expect(running.body.transcript.length).toBeGreaterThan(0);
    await endSession(id);
    const ended = await app().get(`/api/conversations/${id}`).set(ADMIN).expect(200);
    expect(ended.body).toMatchObject({ id, status: 'ended', recordingUrl: expect.stringMatching(/^https:\/\//) });
    expect(ended.headers['cache-control']).toBe('no-store');
  });

  it('exports the transcript as JSON and as plain text, tool calls included', async () => {
    const id = await sessionWithTool();
    const json = await app().get(`/api/conversations/${id}/transcript?format=json`).set(ADMIN).expect(200);
    expect(json.headers['content-disposition']).toContain(`conversation-${id}.json`);
    expect(json.body).toMatchObject({ conversationId: id, status: 'in_progress', avatar: { type: 'runway-preset', presetId: 'cooking-teacher' } });
    const toolTurn = json.body.entries.find((e: { toolCalls?: unknown[] }) => e.toolCalls);
    expect(toolTurn).toMatchObject({ role: 'assistant', content: null, toolCalls: [{ name: 'lookup_recipe', arguments: {} }], toolResults: [{ name: 'lookup_recipe' }] });

    const txt = await app().get(`/api/conversations/${id}/transcript?format=txt`).set(ADMIN).expect(200);
    expect(txt.headers['content-type']).toMatch(/^text\/plain/);
    expect(txt.headers['content-disposition']).toContain(`conversation-${id}.txt`);
    expect(txt.text).toMatch(/^# Conversation with/);
    expect(txt.text).toMatch(/\] Avatar: .+/);
    expect(txt.text).toMatch(/\] User: \(emulated user speech\)/);
    expect(txt.text).toContain('Avatar → lookup_recipe({})');
    expect(txt.text).toMatch(/lookup_recipe ← \{"emulated":true\} \(5 ms\)/);

    // json is the default; anything else is refused.
    await app().get(`/api/conversations/${id}/transcript`).set(ADMIN).expect(200).expect('Content-Type', /json/);
    await app().get(`/api/conversations/${id}/transcript?format=pdf`).set(ADMIN).expect(400);
  });

  it('deletes, then answers 404 CONVERSATION_NOT_FOUND', async () => {
    const id = await brokerSession();
    await app().delete(`/api/conversations/${id}`).set(ADMIN).expect(204);
    const gone = await app().get(`/api/conversations/${id}`).set(ADMIN).expect(404);
    expect(gone.body).toEqual({ error: `Conversation ${id} does not exist.`, code: 'CONVERSATION_NOT_FOUND', requestId: expect.any(String) });
    await app().get(`/api/conversations/${id}/transcript`).set(ADMIN).expect(404);
    await app().delete(`/api/conversations/${id}`).set(ADMIN).expect(404);
    await app().get('/api/conversations/not-an-id').set(ADMIN).expect(400);
  });

  it('maps upstream outages without passing their bodies on', async () => {
    world.emulator.addFault({ operation: 'avatarConversations.retrieve', action: { type: 'status', status: 500, body: { error: 'stack trace here' } } });
    const res = await app().get(`/api/conversations/${crypto.randomUUID()}`).set(ADMIN).expect(502);
    expect(res.body.code).toBe('UPSTREAM_ERROR');
    expect(JSON.stringify(res.body)).not.toContain('stack trace');
  });
});

describe("a session's own conversation", () => {
  // Two browsers behind one trusted proxy, told apart by X-Forwarded-For.
  let proxied: ManagementWorld;
  beforeAll(async () => {
    proxied = await startManagement({ env: { TRUST_PROXY_HOPS: '1' } });
  });
  afterAll(() => proxied.close());
  const alice = { 'X-Forwarded-For': '203.0.113.10' };
  const bob = { 'X-Forwarded-For': '203.0.113.20' };

  it('lets the browser that started the session read it without an admin key; other clients get 404', async () => {
    const papp = () => request(proxied.app);
    const { body } = await papp().post('/api/avatar/session').set(alice).send({ avatarId: 'music-superstar' }).expect(200);
    const id = body.sessionId as string;

    const own = await papp().get(`/api/avatar/session/${id}/conversation`).set(alice).expect(200);
    expect(own.body).toMatchObject({ id, avatar: { type: 'runway-preset', presetId: 'music-superstar' } });
    expect(own.headers['cache-control']).toBe('no-store');

    const other = await papp().get(`/api/avatar/session/${id}/conversation`).set(bob).expect(404);
    expect(other.body).toMatchObject({ code: 'NOT_FOUND', error: 'No such session.' });
    await papp().get(`/api/avatar/session/${crypto.randomUUID()}/conversation`).set(alice).expect(404);
    await papp().get('/api/avatar/session/nope/conversation').set(alice).expect(400);
  });

  it('works for API-key owners too, and not for anonymous callers', async () => {
    const id = await brokerSession('influencer', ADMIN);
    await app().get(`/api/avatar/session/${id}/conversation`).set(ADMIN).expect(200);
    await app().get(`/api/avatar/session/${id}/conversation`).expect(404);
  });

  it('answers 404 CONVERSATION_NOT_FOUND once the conversation is deleted', async () => {
    const id = await brokerSession();
    await app().delete(`/api/conversations/${id}`).set(ADMIN).expect(204);
    const res = await app().get(`/api/avatar/session/${id}/conversation`).expect(404);
    expect(res.body.code).toBe('CONVERSATION_NOT_FOUND');
  });
});
