// The official SDK, pointed at the emulator, calls every Characters method and gets parsed values back.
import RunwayML, { toFile } from '@runwayml/sdk';
import type { EmulatorHandle } from '../../src/emulator';
import { consume, createSession, readyAvatar, sdk, start, waitFor, waitReady } from './helpers';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const keys = (o: object) => Object.keys(o).sort();

let em: EmulatorHandle;
let client: RunwayML;

beforeEach(async () => {
  em = await start();
  client = sdk(em);
});
afterEach(() => em.close());

describe('realtimeSessions', () => {
  test('create returns only {id}; retrieve walks NOT_READY → READY with exact fields', async () => {
    em.updateSettings({ readiness: { kind: 'fixed', ms: 800 } }); // room for the first (cold) SDK call
    const created = await client.realtimeSessions.create({ model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: 'cat-character' } });
    expect(keys(created)).toEqual(['id']);
    expect(created.id).toMatch(UUID);

    const first = await client.realtimeSessions.retrieve(created.id);
    expect(first).toEqual({ id: created.id, createdAt: expect.stringMatching(ISO), status: 'NOT_READY', queued: false });

    await waitReady(client, created.id);
    const ready = await client.realtimeSessions.retrieve(created.id);
    expect(keys(ready)).toEqual(['createdAt', 'expiresAt', 'id', 'sessionKey', 'status']);
    if (ready.status !== 'READY') throw new Error('not ready');
    expect(ready.sessionKey.length).toBeGreaterThan(20);
    expect(Date.parse(ready.expiresAt) - Date.now()).toBeGreaterThan(50_000); // default TTL 60 s
  });

  test('delete resolves to null (204) and the session is CANCELLED', async () => {
    const id = await createSession(client);
    await expect(client.realtimeSessions.delete(id)).resolves.toBeNull();
    expect(await client.realtimeSessions.retrieve(id)).toEqual({ id, createdAt: expect.any(String), status: 'CANCELLED' });
  });

  test('consume → RUNNING → COMPLETED with duration (time-scaled)', async () => {
    const id = await createSession(client, { maxDuration: 600 }); // capped to 300 s → 300 ms at scale 0.001
    const key = await waitReady(client, id);
    const res = await consume(em, id, key);
    expect(res.status).toBe(200);
    expect(keys(res.body)).toEqual(['roomName', 'token', 'url']);
    expect((await client.realtimeSessions.retrieve(id)).status).toBe('RUNNING');
    const done = await waitFor(async () => {
      const s = await client.realtimeSessions.retrieve(id);
      return s.status === 'COMPLETED' ? s : null;
    });
    expect(done).toEqual({ id, createdAt: expect.any(String), status: 'COMPLETED', duration: 300 }); // capped by maxDurationCap
  });
});

describe('avatars', () => {
  test('create, retrieve, update, list, delete, getUsage', async () => {
    const created = await client.avatars.create({
      name: 'Ada',
      personality: 'A friendly guide.',
      referenceImage: 'https://example.com/ada.png',
      voice: { type: 'runway-live-preset', presetId: 'victoria' },
      startScript: 'Hello!',
    });
    expect(created).toEqual({
      id: expect.stringMatching(UUID),
      name: 'Ada',
      personality: 'A friendly guide.',
      startScript: 'Hello!',
      voice: { type: 'runway-live-preset', presetId: 'victoria', name: 'Victoria', description: expect.any(String) },
      referenceImageUri: expect.any(String),
      processedImageUri: null,
      documentIds: [],
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
      status: 'PROCESSING',
    });

    await waitFor(async () => (await client.avatars.retrieve(created.id)).status === 'READY');
    const ready = await client.avatars.retrieve(created.id);
    expect(ready.processedImageUri).toEqual(expect.stringMatching(/^https:\/\//));

    const updated = await client.avatars.update(created.id, { name: 'Ada 2', startScript: null });
    expect(updated.name).toBe('Ada 2');
    expect(updated.startScript).toBeNull();
    expect(updated.status).toBe('READY'); // name changes do not re-process

    const page = await client.avatars.list({});
    expect(page.data.map((a) => a.id)).toEqual([created.id]);

    const now = new Date();
    const usage = await client.avatars.getUsage({
      startDate: new Date(now.getTime() - 86_400_000).toISOString(),
      endDate: new Date(now.getTime() + 60_000).toISOString(),
    });
    expect(keys(usage)).toEqual(['avgDurationSeconds', 'byDay', 'totalSeconds', 'totalSessions']);
    expect(usage.byDay.length).toBeGreaterThanOrEqual(2);
    expect(usage.byDay[0]).toEqual({ date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), seconds: 0, sessions: 0 });

    await expect(client.avatars.delete(created.id)).resolves.toBeNull();
    await expect(client.avatars.retrieve(created.id)).rejects.toBeInstanceOf(RunwayML.NotFoundError);
  });

  test('custom voice shows deleted:true without name once the voice is gone', async () => {
    const { id: voiceId } = await client.voices.create({ name: 'Deep', from: { type: 'text', prompt: 'A deep and calm narrator voice', model: 'eleven_ttv_v3' } });
    const avatar = await client.avatars.create({
      name: 'V',
      personality: 'p',
      referenceImage: 'https://example.com/v.png',
      voice: { type: 'custom', id: voiceId },
    });
    expect(avatar.voice).toEqual({ type: 'custom', id: voiceId, deleted: false, name: 'Deep', description: null });
    await client.voices.delete(voiceId);
    expect((await client.avatars.retrieve(avatar.id)).voice).toEqual({ type: 'custom', id: voiceId, deleted: true });
  });

  test('update of referenceImage while PROCESSING is a 409 ConflictError', async () => {
    em.updateSettings({ avatarProcessingMs: 1000 });
    const created = await client.avatars.create({ name: 'A', personality: 'p', referenceImage: 'https://example.com/a.png', voice: { type: 'runway-live-preset', presetId: 'max' } });
    const err = await client.avatars.update(created.id, { referenceImage: 'https://example.com/b.png' }).catch((e) => e);
    expect(err).toBeInstanceOf(RunwayML.ConflictError);
    expect(err.error).toEqual({ error: expect.stringContaining('processing') });
  });
});

describe('documents', () => {
  test('create, retrieve, update (204 → undefined), list sort/order without content, delete; usedBy follows avatars', async () => {
    const doc = await client.documents.create({ name: 'FAQ', content: '# FAQ\nReturns within 30 days.' });
    expect(doc).toEqual({
      id: expect.stringMatching(UUID),
      name: 'FAQ',
      type: 'text',
      content: '# FAQ\nReturns within 30 days.',
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
      usedBy: [],
    });
    const second = await client.documents.create({ name: 'Policies', content: 'Be nice.' });
    em.updateSettings({ avatarProcessingMs: 1000 }); // imageUrl stays null while PROCESSING

    await expect(client.documents.update(doc.id, { name: 'FAQ v2' })).resolves.toBeFalsy();
    expect((await client.documents.retrieve(doc.id)).name).toBe('FAQ v2');

    const byUpdated = await client.documents.list({ sort: 'updatedAt', order: 'desc' });
    expect(byUpdated.data.map((d) => d.id)).toEqual([doc.id, second.id]);
    expect(byUpdated.data[0]).not.toHaveProperty('content');
    const byCreatedAsc = await client.documents.list({ sort: 'createdAt', order: 'asc' });
    expect(byCreatedAsc.data.map((d) => d.id)).toEqual([doc.id, second.id]);

    const avatar = await client.avatars.create({ name: 'Kb', personality: 'p', referenceImage: 'https://example.com/k.png', voice: { type: 'runway-live-preset', presetId: 'leo' }, documentIds: [doc.id] });
    expect((await client.documents.retrieve(doc.id)).usedBy).toEqual([{ id: avatar.id, name: 'Kb', imageUrl: null }]);
    await client.avatars.update(avatar.id, { documentIds: [second.id] });
    expect((await client.documents.retrieve(doc.id)).usedBy).toEqual([]);
    expect((await client.documents.retrieve(second.id)).usedBy.map((u) => u.id)).toEqual([avatar.id]);

    await expect(client.documents.delete(second.id)).resolves.toBeNull();
    expect((await client.avatars.retrieve(avatar.id)).documentIds).toEqual([]);
  });
});

describe('pagination', () => {
  test('for await walks several pages; the last page has nextCursor null', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await client.documents.create({ name: `d${i}`, content: 'x' })).id);
    const seen: string[] = [];
    for await (const d of client.documents.list({ sort: 'createdAt', order: 'asc', limit: 3 })) seen.push(d.id);
    expect(seen).toEqual(ids);

    const first = await client.documents.list({ sort: 'createdAt', order: 'asc', limit: 3 });
    expect(first.hasNextPage()).toBe(true);
    const raw = await fetch(`${em.url}/v1/documents?limit=3&sort=createdAt&order=asc&cursor=${first.nextCursor}`, {
      headers: { authorization: 'Bearer key_test', 'x-runway-version': '2024-11-06' },
    }).then((r) => r.json() as Promise<{ data: unknown[]; hasMore: boolean }>);
    expect(raw.data).toHaveLength(3);
    expect(raw.hasMore).toBe(true);
    const last = await (await first.getNextPage()).getNextPage();
    expect(last.data).toHaveLength(1);
    expect(last.nextCursor).toBeFalsy();
    expect(last.hasNextPage()).toBe(false);
  });

  test('avatars and conversations paginate too (newest first)', async () => {
    const sessions: string[] = [];
    for (let i = 0; i < 5; i++) sessions.push(await createSession(client));
    const seen: string[] = [];
    for await (const c of client.avatarConversations.list({ limit: 2 })) seen.push(c.id);
    expect(seen).toEqual([...sessions].reverse());
  });
});

describe('avatarConversations', () => {
  test('list with filters, retrieve with transcript/tools/recordingUrl, delete', async () => {
    const avatar = await readyAvatar(client);
    const custom = await createSession(client, {
      avatar: { type: 'custom', avatarId: avatar.id },
      maxDuration: 30,
      tools: [{ type: 'backend_rpc', name: 'lookup_order', description: 'Look up an order', parameters: [{ type: 'string', name: 'orderId', description: 'The order id' }] }],
    });
    const preset = await createSession(client);

    const all = await client.avatarConversations.list({});
    expect(all.data.map((c) => c.id)).toEqual([preset, custom]);
    expect(all.data[1]).toEqual({
      id: custom,
      name: expect.any(String),
      status: 'in_progress',
      avatar: { type: 'custom', id: avatar.id, name: 'Ada' },
      createdAt: expect.stringMatching(ISO),
      duration: null,
      hasTools: true,
    });
    expect(all.data[0]!.avatar).toEqual({ type: 'runway-preset', presetId: 'influencer', name: 'Influencer' });

    const filtered = await client.avatarConversations.list({ avatar: avatar.id });
    expect(filtered.data.map((c) => c.id)).toEqual([custom]);
    const future = await client.avatarConversations.list({ startDate: new Date(Date.now() + 60_000).toISOString() });
    expect(future.data).toEqual([]);

    const key = await waitReady(client, custom);
    expect((await consume(em, custom, key)).status).toBe(200);
    await waitFor(async () => (await client.realtimeSessions.retrieve(custom)).status === 'COMPLETED');

    const conv = await client.avatarConversations.retrieve(custom);
    expect(conv.status).toBe('ended');
    if (conv.status !== 'ended') throw new Error('unreachable');
    expect(keys(conv)).toEqual(['avatar', 'createdAt', 'duration', 'endedAt', 'id', 'maxDuration', 'name', 'recordingUrl', 'startedAt', 'status', 'tools', 'transcript'].sort());
    expect(conv.duration).toBe(30);
    expect(conv.maxDuration).toBe(30);
    expect(conv.recordingUrl).toMatch(/^https:\/\//);
    expect(conv.avatar).toEqual({ type: 'custom', id: avatar.id, name: 'Ada', imageUrl: expect.any(String) });
    expect(conv.tools).toEqual([{ type: 'backend_rpc', name: 'lookup_order', description: 'Look up an order' }]);
    expect(conv.transcript[0]).toEqual({ role: 'assistant', content: expect.any(String), timestamp: expect.stringMatching(ISO) });
    expect(conv.transcript.some((t) => t.toolCalls?.[0]?.name === 'lookup_order')).toBe(true);

    const pending = await client.avatarConversations.retrieve(preset);
    expect(pending).toMatchObject({ status: 'in_progress', startedAt: null, duration: null, recordingUrl: null, transcript: [] });
    expect(pending).not.toHaveProperty('endedAt');

    await expect(client.avatarConversations.delete(custom)).resolves.toBeNull();
    await expect(client.avatarConversations.retrieve(custom)).rejects.toBeInstanceOf(RunwayML.NotFoundError);
    expect((await client.avatarConversations.list({})).data.map((c) => c.id)).toEqual([preset]);
  });
});

describe('uploads', () => {
  test('createEphemeral works end to end through the emulated presigned POST', async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    const { uri } = await client.uploads.createEphemeral({ file: await toFile(png, 'face.png'), fileMetadata: '{"a":1}' });
    expect(uri).toMatch(/^runway:\/\/uploads\/[0-9a-f-]{36}\/face\.png$/);
    const stored = (await fetch(`${em.url}/__emulator/uploads`).then((r) => r.json())) as { uploads: { received: unknown }[] };
    expect(stored.uploads[0]?.received).toMatchObject({ size: png.length, metadata: '{"a":1}' });

    const avatar = await client.avatars.create({ name: 'U', personality: 'p', referenceImage: uri, voice: { type: 'runway-live-preset', presetId: 'mia' } });
    expect(avatar.status).toBe('PROCESSING');
  });

  test('a file without a media extension is rejected with a validation 400', async () => {
    const err = await client.uploads.createEphemeral({ file: await toFile(Buffer.from('x'), 'notes.txt') }).catch((e) => e);
    expect(err).toBeInstanceOf(RunwayML.BadRequestError);
    expect(err.error.error).toBe('Validation of body failed');
  });
});

describe('organization and voices', () => {
  test('organization reports the emulated concurrency limit for gwm1_avatars', async () => {
    em.updateSettings({ concurrencyLimit: 3 });
    const org = await client.organization.retrieve();
    expect(org.tier.models.gwm1_avatars).toEqual({ maxConcurrentGenerations: 3, maxDailyGenerations: null });
    expect(org.creditBalance).toBeGreaterThan(0);
    expect(org.usage.models.gwm1_avatars).toEqual({ dailyGenerations: 0 });
  });

  test('voices create → PROCESSING → READY with previewUrl; list, update, preview, delete', async () => {
    em.updateSettings({ voiceProcessingMs: 300 });
    const { id } = await client.voices.create({ name: 'Calm', description: 'soft', from: { type: 'text', prompt: 'A calm and warm voice for support', model: 'eleven_multilingual_ttv_v2' } });
    expect(await client.voices.retrieve(id)).toEqual({ id, name: 'Calm', description: 'soft', createdAt: expect.stringMatching(ISO), status: 'PROCESSING' });
    await waitFor(async () => (await client.voices.retrieve(id)).status === 'READY');
    expect(await client.voices.retrieve(id)).toMatchObject({ status: 'READY', previewUrl: expect.stringMatching(/\.mp3$/) });
    expect((await client.voices.update(id, { description: null })).description).toBeNull();
    expect((await client.voices.list({})).data.map((v) => v.id)).toEqual([id]);
    expect(await client.voices.preview({ prompt: 'A calm and warm voice for support', model: 'eleven_ttv_v3' })).toEqual({ url: expect.any(String), durationSecs: expect.any(Number) });
    await expect(client.voices.delete(id)).resolves.toBeNull();
    await expect(client.voices.retrieve(id)).rejects.toBeInstanceOf(RunwayML.NotFoundError);
  });
});
