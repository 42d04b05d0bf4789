// Session state machine, consume-once, concurrency, expiry and the §16 toggles.
import RunwayML from '@runwayml/sdk';
import type { EmulatorHandle, EmulatorSettings } from '../../src/emulator';
import { call, consume, createSession, readyAvatar, sdk, sleep, start, waitFor, waitReady } from './helpers';

let em: EmulatorHandle;
let client: RunwayML;

async function boot(settings: Partial<EmulatorSettings> = {}) {
  em = await start(settings);
  client = sdk(em);
}
afterEach(() => em?.close());

const statusOf = async (id: string) => (await client.realtimeSessions.retrieve(id)).status;
const waitStatus = (id: string, status: string) => waitFor(async () => (await statusOf(id)) === status);

describe('concurrency', () => {
  test('over the limit sessions queue with queued:true and start when a slot frees', async () => {
    await boot({ concurrencyLimit: 2 });
    const a = await createSession(client);
    const b = await createSession(client);
    const c = await createSession(client);
    expect(await client.realtimeSessions.retrieve(c)).toMatchObject({ status: 'NOT_READY', queued: true });
    await waitStatus(a, 'READY');
    await waitStatus(b, 'READY');
    await sleep(40);
    expect(await client.realtimeSessions.retrieve(c)).toMatchObject({ status: 'NOT_READY', queued: true });
    await client.realtimeSessions.delete(a);
    await waitStatus(c, 'READY');
    expect(em.ledger().sessions.find((s) => s.id === c)!.readyAt).toBeGreaterThan(em.ledger().sessions.find((s) => s.id === a)!.cancelledAt!);
  });

  test("overConcurrency '429' rejects creation with a RateLimitError", async () => {
    await boot({ concurrencyLimit: 1, overConcurrency: '429' });
    await createSession(client);
    const err = await createSession(client).catch((e) => e);
    expect(err).toBeInstanceOf(RunwayML.RateLimitError);
    expect(err.error).toEqual({ error: expect.stringContaining('concurrent') });
    expect(em.ledger().totals.sessions).toBe(1);
  });

  test('raising the limit at runtime releases queued sessions', async () => {
    await boot({ concurrencyLimit: 1 });
    await createSession(client);
    const queued = await createSession(client);
    expect((await client.realtimeSessions.retrieve(queued)) as object).toMatchObject({ queued: true });
    em.updateSettings({ concurrencyLimit: 2 });
    await waitStatus(queued, 'READY');
  });
});

describe('failures and expiry', () => {
  test('failureRate 1 → FAILED with failure and failureCode; conversation failed', async () => {
    await boot({ failureRate: 1, failureCode: 'INTERNAL.TEST' });
    const id = await createSession(client);
    await waitStatus(id, 'FAILED');
    expect(await client.realtimeSessions.retrieve(id)).toEqual({ id, createdAt: expect.any(String), status: 'FAILED', failure: expect.any(String), failureCode: 'INTERNAL.TEST' });
    expect(await client.avatarConversations.retrieve(id)).toMatchObject({ status: 'failed', failureCode: 'INTERNAL.TEST', startedAt: null, endedAt: expect.any(String) });
    expect(em.ledger().orphans).toBe(0); // the emulator's own doing
  });

  test('failureRate 0.5 fails about half, reproducibly for a seed', async () => {
    const outcomes = async () => {
      await boot({ failureRate: 0.5, seed: 42, concurrencyLimit: 50 });
      const ids = [];
      for (let i = 0; i < 20; i++) ids.push(await createSession(client));
      await waitFor(() => em.ledger().totals.byStatus.NOT_READY === 0);
      const result = em.ledger().sessions.map((s) => s.status);
      await em.close();
      return result;
    };
    const first = await outcomes();
    const second = await outcomes();
    expect(first).toEqual(second);
    const failed = first.filter((s) => s === 'FAILED').length;
    expect(failed).toBeGreaterThan(3);
    expect(failed).toBeLessThan(17);
  });

  test.each([
    ['FAILED', 'failed'],
    ['COMPLETED', 'ended'],
  ] as const)('a READY session never consumed expires to %s and counts as an orphan', async (expiredSessionStatus, conv) => {
    await boot({ sessionKeyTtlMs: 80, expiredSessionStatus });
    const id = await createSession(client);
    const key = await waitReady(client, id);
    await waitStatus(id, expiredSessionStatus);
    const s = await client.realtimeSessions.retrieve(id);
    if (s.status === 'FAILED') expect(s.failureCode).toBe('SESSION_EXPIRED');
    if (s.status === 'COMPLETED') expect(s.duration).toBe(0);
    expect((await client.avatarConversations.retrieve(id)).status).toBe(conv);
    const res = await consume(em, id, key);
    expect(res.status).toBe(410); // consumeAfterExpiryStatus default
    const ledger = em.ledger();
    expect(ledger.sessions[0]).toMatchObject({ expired: true, orphan: true });
    expect(ledger.orphans).toBe(1);
  });

  test('consumeAfterExpiryStatus is configurable', async () => {
    await boot({ sessionKeyTtlMs: 80, consumeAfterExpiryStatus: 401 });
    const id = await createSession(client);
    const key = await waitReady(client, id);
    await sleep(100);
    expect((await consume(em, id, key)).status).toBe(401);
  });
});

describe('consume', () => {
  test('works once; the second consume answers secondConsumeStatus (default 409)', async () => {
    await boot();
    const id = await createSession(client);
    const key = await waitReady(client, id);
    const first = await consume(em, id, key);
    expect(first.status).toBe(200);
    expect(first.body.url).toBe(`${em.url.replace('http', 'ws')}/livekit`);
    const second = await consume(em, id, key);
    expect(second).toEqual({ status: 409, body: { error: expect.any(String) } });
    expect(em.ledger().sessions[0]).toMatchObject({ consumeAttempts: 2, consumeSuccesses: 1, status: 'RUNNING' });
  });

  test.each([400, 410] as const)('secondConsumeStatus %i', async (secondConsumeStatus) => {
    await boot({ secondConsumeStatus });
    const id = await createSession(client);
    const key = await waitReady(client, id);
    expect((await consume(em, id, key)).status).toBe(200);
    expect((await consume(em, id, key)).status).toBe(secondConsumeStatus);
  });

  test('accepts the sessionKey with or without X-Runway-Version; rejects the API key and wrong keys', async () => {
    await boot();
    const a = await createSession(client);
    const b = await createSession(client);
    const keyA = await waitReady(client, a);
    const keyB = await waitReady(client, b);
    expect((await consume(em, a, 'key_test')).status).toBe(401);
    expect((await consume(em, a, keyB)).status).toBe(401);
    expect((await consume(em, a, keyA, false)).status).toBe(200);
    expect((await consume(em, b, keyB, true)).status).toBe(200);
  });

  test('before READY there is no key: 401; unknown session: 404', async () => {
    await boot({ readiness: { kind: 'fixed', ms: 500 } });
    const id = await createSession(client);
    expect((await consume(em, id, 'anything')).status).toBe(401);
    expect((await consume(em, '0f8b6a52-7a55-4c1e-9d51-3f6c2b1d0a11', 'x')).status).toBe(404);
  });

  test('publicUrl overrides the LiveKit url', async () => {
    await boot({ publicUrl: 'wss://livekit.example.test' });
    const id = await createSession(client);
    const key = await waitReady(client, id);
    expect((await consume(em, id, key)).body.url).toBe('wss://livekit.example.test');
  });

  test('connect_backend returns credentials with the API key once READY', async () => {
    await boot({ readiness: { kind: 'fixed', ms: 300 } });
    const id = await createSession(client);
    const early = await call(em, 'POST', `/v1/realtime_sessions/${id}/connect_backend`);
    expect(early.status).toBe(400);
    await waitReady(client, id);
    const res = await call(em, 'POST', `/v1/realtime_sessions/${id}/connect_backend`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['roomName', 'token', 'url']);
    expect(em.ledger().sessions[0]!.backendConnects).toBe(1);
  });
});

describe('duration', () => {
  test('maxDurationCap 300 (default) caps a 1800 s request; null honours it', async () => {
    await boot({ durationScale: 0.0001 });
    const capped = await createSession(client, { maxDuration: 1800 });
    em.updateSettings({ maxDurationCap: null });
    const honoured = await createSession(client, { maxDuration: 1800 });
    for (const id of [capped, honoured]) expect((await consume(em, id, await waitReady(client, id))).status).toBe(200);
    await waitStatus(capped, 'COMPLETED');
    await waitStatus(honoured, 'COMPLETED');
    expect(await client.realtimeSessions.retrieve(capped)).toMatchObject({ duration: 300 });
    expect(await client.realtimeSessions.retrieve(honoured)).toMatchObject({ duration: 1800 });
    expect(em.ledger().sessions.map((s) => [s.requestedMaxDuration, s.maxDuration])).toEqual([[1800, 300], [1800, 1800]]);
  });

  test('durationScale stretches real time: 10 s at scale 0.02 takes about 200 ms', async () => {
    await boot({ durationScale: 0.02 });
    const id = await createSession(client, { maxDuration: 10 });
    await consume(em, id, await waitReady(client, id));
    await sleep(50);
    expect(await statusOf(id)).toBe('RUNNING');
    await waitStatus(id, 'COMPLETED');
    const s = em.ledger().sessions[0]!;
    expect(s.endedAt! - s.consumedAt!).toBeGreaterThanOrEqual(195);
  });
});

describe('DELETE', () => {
  test('RUNNING → CANCELLED; conversation ended with the elapsed duration', async () => {
    await boot();
    const id = await createSession(client);
    await consume(em, id, await waitReady(client, id));
    await client.realtimeSessions.delete(id);
    expect(await statusOf(id)).toBe('CANCELLED');
    expect(await client.avatarConversations.retrieve(id)).toMatchObject({ status: 'ended', endedAt: expect.any(String) });
  });

  test('terminal: 204 by default (idempotent), else deleteTerminalStatus', async () => {
    await boot();
    const id = await createSession(client);
    await client.realtimeSessions.delete(id);
    await expect(client.realtimeSessions.delete(id)).resolves.toBeNull();
    em.updateSettings({ deleteTerminalStatus: 409 });
    await expect(client.realtimeSessions.delete(id)).rejects.toBeInstanceOf(RunwayML.ConflictError);
    expect(em.ledger().sessions[0]!.deletes).toBe(3);
  });

  test('READY: cancels by default; deleteReadyStatus 400 refuses and leaves it READY', async () => {
    await boot({ deleteReadyStatus: 400 });
    const id = await createSession(client);
    await waitReady(client, id);
    await expect(client.realtimeSessions.delete(id)).rejects.toBeInstanceOf(RunwayML.BadRequestError);
    expect(await statusOf(id)).toBe('READY');
    em.updateSettings({ deleteReadyStatus: 204 });
    await client.realtimeSessions.delete(id);
    expect(await statusOf(id)).toBe('CANCELLED');
  });

  test('unknown id → 404 NotFoundError', async () => {
    await boot();
    await expect(client.realtimeSessions.delete('0f8b6a52-7a55-4c1e-9d51-3f6c2b1d0a11')).rejects.toBeInstanceOf(RunwayML.NotFoundError);
  });
});

describe('avatars in sessions', () => {
  test('unknown or not-ready custom avatar → unknownAvatarStatus (400 default, 404 configurable)', async () => {
    await boot({ avatarProcessingMs: 300 });
    const unknown = { type: 'custom', avatarId: '0f8b6a52-7a55-4c1e-9d51-3f6c2b1d0a11' };
    const e1 = await createSession(client, { avatar: unknown }).catch((e) => e);
    expect(e1).toBeInstanceOf(RunwayML.BadRequestError);
    expect(e1.error).toEqual({ error: 'Avatar not found' });
    const processing = await client.avatars.create({ name: 'P', personality: 'p', referenceImage: 'https://example.com/p.png', voice: { type: 'runway-live-preset', presetId: 'sam' } });
    const e2 = await createSession(client, { avatar: { type: 'custom', avatarId: processing.id } }).catch((e) => e);
    expect(e2.status).toBe(400);
    expect(e2.error.error).toMatch(/not ready/);
    em.updateSettings({ unknownAvatarStatus: 404 });
    await expect(createSession(client, { avatar: unknown })).rejects.toBeInstanceOf(RunwayML.NotFoundError);
  });

  test('avatar processing failure → FAILED with failureReason', async () => {
    await boot({ avatarFailureRate: 1 });
    const a = await client.avatars.create({ name: 'F', personality: 'p', referenceImage: 'https://example.com/f.png', voice: { type: 'runway-live-preset', presetId: 'sam' } });
    await waitFor(async () => (await client.avatars.retrieve(a.id)).status === 'FAILED');
    const failed = await client.avatars.retrieve(a.id);
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: expect.any(String), processedImageUri: null });
  });

  test('avatar re-processes on a new reference image after READY', async () => {
    await boot();
    const a = await readyAvatar(client);
    const updated = await client.avatars.update(a.id, { referenceImage: 'https://example.com/new.png' });
    expect(updated.status).toBe('PROCESSING');
    await waitFor(async () => (await client.avatars.retrieve(a.id)).status === 'READY');
  });

  test.each([
    ['rejected', 400, null],
    ['ignored', 200, null],
    ['applied', 200, 'Be brief.'],
  ] as const)('presetPersonaOverride %s', async (presetPersonaOverride, status, stored) => {
    await boot({ presetPersonaOverride });
    const res = await call(em, 'POST', '/v1/realtime_sessions', {
      body: { model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: 'tennis-coach' }, personality: 'Be brief.' },
    });
    expect(res.status).toBe(status);
    if (status === 200) expect(em.ledger().sessions[0]!.personality).toBe(stored);
  });

  test('custom avatars always take per-session overrides', async () => {
    await boot();
    const a = await readyAvatar(client);
    await createSession(client, { avatar: { type: 'custom', avatarId: a.id }, startScript: 'Welcome back!' });
    expect(em.ledger().sessions[0]!.startScript).toBe('Welcome back!');
  });

  test('knowledgeTokenLimit enforced → 400; null → accepted', async () => {
    await boot({ knowledgeTokenLimit: 100 });
    const big = await client.documents.create({ name: 'big', content: 'x'.repeat(1000) });
    const body = { name: 'K', personality: 'p', referenceImage: 'https://example.com/k.png', voice: { type: 'runway-live-preset' as const, presetId: 'sam' as const }, documentIds: [big.id] };
    const err = await client.avatars.create(body).catch((e) => e);
    expect(err).toBeInstanceOf(RunwayML.BadRequestError);
    expect(err.error.error).toMatch(/knowledge limit/);
    em.updateSettings({ knowledgeTokenLimit: null });
    expect((await client.avatars.create(body)).documentIds).toEqual([big.id]);
  });

  test.each([400, 402] as const)('outOfCredits answers %i with the captured message', async (outOfCreditsStatus) => {
    await boot({ outOfCredits: true, outOfCreditsStatus });
    const err = await createSession(client).catch((e) => e);
    expect(err.status).toBe(outOfCreditsStatus);
    expect(err.error).toEqual({ error: 'You do not have enough credits to run this task.' });
    expect((await client.organization.retrieve()).creditBalance).toBe(0);
  });
});
