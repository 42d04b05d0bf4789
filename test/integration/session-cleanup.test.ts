import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { JournalEntry } from '../../src/store/types';
import { EMULATOR_KEY, eventually, sessionOf, startHarness, type Harness } from '../support/harness';

// Every upstream session ends delivered once or cancelled: when create is slow, when the client
// leaves during it, when shutdown comes mid-create, when the store fails during cleanup, and when the
// replica that owned it is gone (the reaper).

const post = (origin: string, signal?: AbortSignal) =>
  fetch(`${origin}/api/avatar/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ avatarId: 'music-superstar' }), signal });

describe('a create slower than UPSTREAM_TIMEOUT_MS', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ UPSTREAM_TIMEOUT_MS: '200' });
  });
  afterAll(() => h.close());
  afterEach(() => h.emulator.clearFaults());

  it('is waited for under its own bound and delivered, not cut off and orphaned', async () => {
    h.emulator.addFault({ operation: 'realtimeSessions.create', action: { type: 'delay', ms: 800 }, times: 1 });
    const res = await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' });
    expect(res.status).toBe(200);
    expect(sessionOf(h.emulator, res.body.sessionId).consumeSuccesses).toBe(1);
    expect(h.emulator.ledger().orphans).toBe(0);
  });

  it('is still waited for after the client left, and what arrives late is cancelled', async () => {
    const before = h.emulator.ledger().totals.sessions;
    h.emulator.addFault({ operation: 'realtimeSessions.create', action: { type: 'delay', ms: 800 }, times: 1 });
    const origin = await h.listen();
    const controller = new AbortController();
    const pending = post(origin, controller.signal).catch(() => undefined);
    await eventually(() => (h.emulator.ledger().requests['realtimeSessions.create'] ?? 0) > before);
    controller.abort();
    await pending;
    await eventually(() => h.emulator.ledger().totals.sessions === before + 1, 5000);
    const late = h.emulator.ledger().sessions.at(-1)!;
    await eventually(() => sessionOf(h.emulator, late.id).cancelledAt !== null, 5000);
    expect(h.emulator.ledger().orphans).toBe(0);
  });
});

describe('shutdown with a create in flight', () => {
  it('waits for the id, cancels the session, and answers 503 SHUTTING_DOWN', async () => {
    const h = await startHarness();
    try {
      h.emulator.addFault({ operation: 'realtimeSessions.create', action: { type: 'delay', ms: 1000 }, times: 1 });
      const origin = await h.listen();
      const pending = post(origin);
      await eventually(() => (h.emulator.ledger().requests['realtimeSessions.create'] ?? 0) === 1);
      expect(h.broker.shutdownBudgetMs(0)).toBeGreaterThanOrEqual(30_000 + 15_000);
      await h.broker.shutdown(0);
      const res = await pending;
      expect(res.status).toBe(503);
      expect(((await res.json()) as { code: string }).code).toBe('SHUTTING_DOWN');
      const [session] = h.emulator.ledger().sessions;
      expect(session!.cancelledAt).not.toBeNull();
      expect(h.emulator.ledger().orphans).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('refuses new sessions with 503 SHUTTING_DOWN once shutdown has begun, while the app still answers', async () => {
    const h = await startHarness();
    try {
      h.broker.beginShutdown();
      const res = await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('SHUTTING_DOWN');
      expect(res.headers['retry-after']).toBeDefined();
      expect((await request(h.app).get('/readyz')).status).toBe(503);
    } finally {
      await h.close();
    }
  });
});

describe('abandoning an undeliverable session while the store fails', () => {
  it('cancels upstream, raises no unhandled rejection, and records the end once the store is back', async () => {
    const h = await startHarness();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const res = await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' });
      const id = res.body.sessionId as string;
      const registry = h.broker.registry;
      const { get, update } = registry;
      registry.get = async () => {
        throw new Error('store down');
      };
      registry.update = async () => {
        throw new Error('store down');
      };
      h.broker.orchestrator.abandon(id);
      await eventually(() => sessionOf(h.emulator, id).cancelledAt !== null);
      registry.get = get;
      registry.update = update;
      await eventually(() => unhandled.length > 0 || false, 300).catch(() => undefined);
      expect(unhandled).toEqual([]);
      let status: string | undefined;
      await eventually(() => {
        void registry.get(id).then((r) => (status = r?.status));
        return status === 'cancelled';
      }, 5000);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await h.close();
    }
  });
});

describe('the reaper', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { readiness: { kind: 'fixed', ms: 120_000 } });
  });
  afterAll(() => h.close());

  /** A session created upstream by "another replica" (straight at the emulator). */
  async function upstreamSession(): Promise<string> {
    const res = await fetch(`${h.emulator.url}/v1/realtime_sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${EMULATOR_KEY}`, 'content-type': 'application/json', 'x-runway-version': '2024-11-06' },
      body: JSON.stringify({ model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: 'music-superstar' } }),
    });
    return ((await res.json()) as { id: string }).id;
  }

  const entry = (sessionId: string, owner: JournalEntry['owner'], leaseId?: string, clientId = 'client-x'): JournalEntry => ({
    sessionId,
    owner,
    clientId,
    leaseId,
    state: 'pending',
    since: Date.now(),
  });

  it("cancels a dead replica's undelivered session and frees its slot; leaves a live replica's alone", async () => {
    const journal = h.broker.stores.journal;
    const dead = { replicaId: 'replica-dead', incarnation: randomUUID() };
    const longAgo = Date.now() - 3_600_000;
    const live = { replicaId: 'replica-live', incarnation: randomUUID() };
    await journal.beat(live.incarnation, 60_000);
    const orphanId = await upstreamSession();
    const liveId = await upstreamSession();
    const leaseId = await h.broker.admission.admit('client-x', 5);
    await journal.put({ ...entry(orphanId, dead, leaseId), since: longAgo });
    await journal.put(entry(liveId, live));

    await h.broker.reaper.sweep();

    expect(sessionOf(h.emulator, orphanId).cancelledAt).not.toBeNull();
    expect(await h.broker.admission.count('client-x')).toBe(0);
    expect(sessionOf(h.emulator, liveId).cancelledAt).toBeNull();
    expect((await journal.list()).map((e) => e.sessionId)).toEqual([liveId]);
    await journal.remove(liveId);
  });

  it('gives a silent owner whose entry is younger than a heartbeat the benefit of the doubt (it may be booting)', async () => {
    const journal = h.broker.stores.journal;
    const id = await upstreamSession();
    await journal.put(entry(id, { replicaId: 'booting', incarnation: randomUUID() }));
    await h.broker.reaper.sweep();
    expect(sessionOf(h.emulator, id).cancelledAt).toBeNull();
    await journal.remove(id);
  });

  it("reaps its own previous incarnation's leftovers at once, though that heartbeat has not lapsed", async () => {
    const journal = h.broker.stores.journal;
    const predecessor = { replicaId: (await selfOwner(h)).replicaId, incarnation: randomUUID() };
    await journal.beat(predecessor.incarnation, 60_000);
    const id = await upstreamSession();
    await journal.put(entry(id, predecessor));
    await h.broker.reaper.sweep();
    expect(sessionOf(h.emulator, id).cancelledAt).not.toBeNull();
  });

  it("hands a dead replica's delivered session to the follower instead of cancelling it", async () => {
    const journal = h.broker.stores.journal;
    const id = await upstreamSession();
    const leaseId = await h.broker.admission.admit('client-y', 5);
    await journal.put({ ...entry(id, { replicaId: 'gone', incarnation: randomUUID() }, leaseId, 'client-y'), state: 'delivered', releaseBy: Date.now() + 60_000, since: 0 });
    await h.broker.reaper.sweep();
    expect(sessionOf(h.emulator, id).cancelledAt).toBeNull();
    const followed = await h.broker.stores.follow.claimDue(Date.now() + 3_600_000, 1000, 100);
    expect(followed.map((f) => f.sessionId)).toContain(id);
    expect(await journal.list()).toEqual([]);
  });
});

async function selfOwner(h: Harness): Promise<JournalEntry['owner']> {
  // The broker journals its own sessions under its identity; read it from one of them.
  const journal = h.broker.stores.journal;
  const origin = await h.listen();
  const controller = new AbortController();
  const pending = post(origin, controller.signal).catch(() => undefined);
  let owner: JournalEntry['owner'] | undefined;
  await eventually(() => {
    void journal.list().then((entries) => (owner = entries[0]?.owner));
    return owner !== undefined;
  }, 5000);
  controller.abort();
  await pending;
  return owner!;
}
