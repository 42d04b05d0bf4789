import { randomUUID } from 'node:crypto';
import type { SessionRecord } from '../../src/store/registry';
import { memoryStores } from '../../src/store/memory';
import { createRedisStores } from '../../src/store/redis';
import type { FollowedSession, Stores } from '../../src/store/types';
import { silentLogger } from '../support/silent-logger';
import { startRedis, withoutRedis, type RedisServer } from '../support/redis';

// One behavioural suite, two implementations: what the in-memory stores promise (the reference),
// the Redis stores must keep, across replicas too. "Two replicas" are two Stores sharing one state:
// for memory the same object (one process), for Redis two connections to one server.

const RETAIN_MS = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Backend {
  name: 'memory' | 'redis';
  /** Two replicas over one fresh, empty state (`factRetainMs`: how long usage once-markers last). */
  replicas(factRetainMs?: number): Promise<[Stores, Stores]>;
}

let redis: RedisServer | undefined;
const opened: Stores[] = [];

const backends: Backend[] = [
  {
    name: 'memory',
    async replicas(factRetainMs) {
      const stores = memoryStores(RETAIN_MS, undefined, factRetainMs);
      return [stores, stores];
    },
  },
  {
    name: 'redis',
    async replicas(factRetainMs) {
      redis ??= await startRedis();
      const prefix = `t-${randomUUID().slice(0, 8)}:`; // a fresh namespace per test
      const make = () => createRedisStores({ url: redis!.url, prefix, commandTimeoutMs: 2000, recordRetainMs: RETAIN_MS, factRetainMs, logger: silentLogger });
      const pair: [Stores, Stores] = [make(), make()];
      opened.push(...pair);
      await Promise.all(pair.map(waitHealthy));
      return pair;
    },
  },
];

/** Waits for a condition (a lease lapsing), however busy the machine. */
async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await condition()); await sleep(20)) {
    if (Date.now() > end) throw new Error('condition not met in time');
  }
}

async function waitHealthy(stores: Stores): Promise<void> {
  for (let i = 0; i < 200 && !(await stores.healthy()); i += 1) await sleep(10);
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await redis?.stop();
});

const lease = (clientId: string, extra: Partial<{ clientLimit: number; globalLimit: number; ttlMs: number }> = {}) => ({
  id: randomUUID(),
  clientId,
  clientLimit: 10,
  globalLimit: 10,
  ttlMs: 60_000,
  ...extra,
});

const record = (patch: Partial<SessionRecord> = {}): SessionRecord => ({
  id: randomUUID(),
  owner: 'client-a',
  avatar: { type: 'runway-preset', id: 'music-superstar' },
  shape: 'credentials',
  status: 'starting',
  maxDuration: 300,
  createdAt: new Date().toISOString(),
  ...patch,
});

const followed = (releaseBy = Date.now() + 60_000): FollowedSession => ({ sessionId: randomUUID(), leaseId: randomUUID(), clientId: 'client-a', releaseBy });

describe.each(backends)('$name stores', (backend) => {
  if (backend.name === 'redis' && withoutRedis('redis stores')) return;

  describe('admission', () => {
    it('caps per client and globally; release and count', async () => {
      const [a] = await backend.replicas();
      const l1 = lease('alice', { clientLimit: 2, globalLimit: 3 });
      expect(await a.admission.acquire(l1)).toBe('admitted');
      expect(await a.admission.acquire(lease('alice', { clientLimit: 2, globalLimit: 3 }))).toBe('admitted');
      expect(await a.admission.acquire(lease('alice', { clientLimit: 2, globalLimit: 3 }))).toBe('client_full');
      expect(await a.admission.acquire(lease('bob', { clientLimit: 2, globalLimit: 3 }))).toBe('admitted');
      expect(await a.admission.acquire(lease('carol', { clientLimit: 2, globalLimit: 3 }))).toBe('global_full');
      expect([await a.admission.count(), await a.admission.count('alice'), await a.admission.count('bob'), await a.admission.count('nobody')]).toEqual([3, 2, 1, 0]);
      await a.admission.release(l1.id, 'alice');
      expect(await a.admission.count('alice')).toBe(1);
      expect(await a.admission.acquire(lease('carol', { clientLimit: 2, globalLimit: 3 }))).toBe('admitted');
    });

    it('admits exactly 3 of 50 concurrent acquires for 3 global slots, split across two replicas', async () => {
      const [a, b] = await backend.replicas();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).admission.acquire(lease(`client-${i % 7}`, { globalLimit: 3 }))),
      );
      expect(results.filter((r) => r === 'admitted')).toHaveLength(3);
      expect(results.filter((r) => r === 'global_full')).toHaveLength(47);
      expect(await a.admission.count()).toBe(3);
      expect(await b.admission.count()).toBe(3);
    });

    it('admits exactly 2 of 30 concurrent acquires for one client limited to 2', async () => {
      const [a, b] = await backend.replicas();
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).admission.acquire(lease('alice', { clientLimit: 2, globalLimit: 100 }))));
      expect(results.filter((r) => r === 'admitted')).toHaveLength(2);
      expect(results.filter((r) => r === 'client_full')).toHaveLength(28);
    });

    it('reclaims the slots of a holder that vanished once its lease expires; extend keeps a lease alive', async () => {
      const [a, b] = await backend.replicas();
      const kept = lease('alice', { globalLimit: 2, ttlMs: 200 });
      expect(await a.admission.acquire(kept)).toBe('admitted');
      expect(await a.admission.acquire(lease('alice', { globalLimit: 2, ttlMs: 200 }))).toBe('admitted'); // its holder "crashes"
      expect(await b.admission.acquire(lease('bob', { globalLimit: 2 }))).toBe('global_full');
      await sleep(100);
      await a.admission.extend(kept.id, 'alice', 5000);
      await sleep(200);
      expect(await b.admission.count()).toBe(1); // the crashed holder's lease is gone, the extended one is not
      expect(await b.admission.count('alice')).toBe(1);
      expect(await b.admission.acquire(lease('bob', { globalLimit: 2 }))).toBe('admitted');
      expect(await b.admission.acquire(lease('bob', { globalLimit: 2 }))).toBe('global_full');
    });

    it('a release from another replica frees the slot', async () => {
      const [a, b] = await backend.replicas();
      const l = lease('alice', { globalLimit: 1 });
      expect(await a.admission.acquire(l)).toBe('admitted');
      await b.admission.release(l.id, 'alice');
      expect(await a.admission.acquire(lease('bob', { globalLimit: 1 }))).toBe('admitted');
    });
  });

  describe('idempotency', () => {
    it('claims once, returns the record to later claims, replaces it on finish and forgets it', async () => {
      const [a, b] = await backend.replicas();
      const claim = await a.idempotency.claim('k1', 'fp', 60_000);
      expect(claim).toEqual({ claimed: true, owner: expect.any(String) });
      const owner = (claim as { owner: string }).owner;
      expect(await b.idempotency.claim('k1', 'fp', 60_000)).toEqual({ claimed: false, record: { state: 'in_progress', fingerprint: 'fp', owner } });
      await a.idempotency.finish('k1', { state: 'delivered', fingerprint: 'fp', sessionId: 's-1' }, 60_000, owner);
      expect(await b.idempotency.claim('k1', 'other', 60_000)).toEqual({ claimed: false, record: { state: 'delivered', fingerprint: 'fp', sessionId: 's-1' } });
      const failed = { state: 'failed' as const, fingerprint: 'fp', status: 502, body: { code: 'SESSION_FAILED', error: 'x' }, retryAfter: 3 };
      await b.idempotency.finish('k1', failed, 60_000);
      expect(await a.idempotency.claim('k1', 'fp', 60_000)).toEqual({ claimed: false, record: failed });
      await a.idempotency.forget('k1');
      expect((await b.idempotency.claim('k1', 'fp', 60_000)).claimed).toBe(true);
    });

    it('exactly one of 20 concurrent claims of a key wins, across replicas', async () => {
      const [a, b] = await backend.replicas();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).idempotency.claim('race', 'fp', 60_000)));
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
    });

    it('forgets a finished key after its ttl', async () => {
      const [a] = await backend.replicas();
      const claim = await a.idempotency.claim('short', 'fp', 60_000);
      await a.idempotency.finish('short', { state: 'delivered', fingerprint: 'fp', sessionId: 's' }, 100, (claim as { owner: string }).owner);
      expect((await a.idempotency.claim('short', 'fp', 100)).claimed).toBe(false);
      await sleep(200);
      expect((await a.idempotency.claim('short', 'fp', 100)).claimed).toBe(true);
    });

    it('a claim never finished (its replica crashed) frees the key after its lease, not the ttl', async () => {
      const [a, b] = await backend.replicas();
      expect((await a.idempotency.claim('wedged', 'fp', 1000)).claimed).toBe(true); // ...and replica a dies here
      expect((await b.idempotency.claim('wedged', 'fp', 1000)).claimed).toBe(false);
      await until(async () => (await b.idempotency.claim('wedged', 'fp', 60_000)).claimed);
    });

    it('the owner renews its claim; a renewal, finish or forget by a lapsed owner changes nothing', async () => {
      const [a, b] = await backend.replicas();
      const first = (await a.idempotency.claim('lease', 'fp', 500)) as { owner: string };
      expect(await a.idempotency.renew('lease', first.owner, 60_000)).toBe(true);
      await sleep(600); // longer than the first lease: only the renewal keeps it
      expect(await b.idempotency.claim('lease', 'fp', 60_000)).toEqual({ claimed: false, record: { state: 'in_progress', fingerprint: 'fp', owner: first.owner } });
      expect(await b.idempotency.renew('lease', 'someone-else', 60_000)).toBe(false);

      // The first owner's claim lapses and a second execution takes the key.
      await b.idempotency.forget('lease');
      const second = (await b.idempotency.claim('lease', 'fp', 60_000)) as { owner: string };
      expect(second.owner).not.toBe(first.owner);
      expect(await a.idempotency.renew('lease', first.owner, 60_000)).toBe(false);
      await a.idempotency.finish('lease', { state: 'delivered', fingerprint: 'fp', sessionId: 'late' }, 60_000, first.owner);
      await a.idempotency.forget('lease', first.owner);
      expect(await a.idempotency.claim('lease', 'fp', 60_000)).toEqual({ claimed: false, record: { state: 'in_progress', fingerprint: 'fp', owner: second.owner } });

      // A finish by an owner whose claim lapsed with nothing in its place is still recorded.
      await b.idempotency.forget('lease');
      await a.idempotency.finish('lease', { state: 'delivered', fingerprint: 'fp', sessionId: 's-2' }, 60_000, first.owner);
      expect(await b.idempotency.claim('lease', 'fp', 60_000)).toEqual({ claimed: false, record: { state: 'delivered', fingerprint: 'fp', sessionId: 's-2' } });
    });

    it('keeps keys with odd bytes apart', async () => {
      const [a] = await backend.replicas();
      expect((await a.idempotency.claim('client\u0000key', 'fp', 60_000)).claimed).toBe(true);
      expect((await a.idempotency.claim('client\u0000key2', 'fp', 60_000)).claimed).toBe(true);
    });
  });

  describe('follow queue', () => {
    it('hands each due session to exactly one replica, and to another once the claim lapses', async () => {
      const [a, b] = await backend.replicas();
      const now = Date.now();
      const sessions = Array.from({ length: 6 }, () => followed());
      for (const s of sessions) await a.follow.add(s, now - 1);
      const later = followed();
      await b.follow.add(later, now + 10_000);

      const [fromA, fromB] = await Promise.all([a.follow.claimDue(now, 1000, 4), b.follow.claimDue(now, 1000, 4)]);
      const ids = [...fromA, ...fromB].map((s) => s.sessionId);
      expect(ids.sort()).toEqual(sessions.map((s) => s.sessionId).sort()); // each once, the not-yet-due one never
      expect(fromA.length).toBeLessThanOrEqual(4);
      expect(fromA.find((s) => s.sessionId === sessions[0]!.sessionId) ?? fromB.find((s) => s.sessionId === sessions[0]!.sessionId)).toEqual(sessions[0]);
      expect(await a.follow.claimDue(now + 999, 1000, 25)).toEqual([]); // still claimed

      // The claimant of the first session dies without rescheduling: after the claim, B takes over.
      const others = sessions.slice(1);
      for (const s of others) await b.follow.reschedule(s.sessionId, now + 60_000);
      expect((await b.follow.claimDue(now + 1000, 1000, 25)).map((s) => s.sessionId)).toEqual([sessions[0]!.sessionId]);
      expect(await a.follow.claimDue(now + 1000, 1000, 25)).toEqual([]);
    });

    it('reschedule moves a session; remove drops it; reschedule never resurrects a removed session', async () => {
      const [a, b] = await backend.replicas();
      const now = Date.now();
      const s = followed();
      await a.follow.add(s, now + 5000);
      expect(await b.follow.claimDue(now, 1000, 25)).toEqual([]);
      await b.follow.reschedule(s.sessionId, now - 1);
      expect(await a.follow.claimDue(now, 1000, 25)).toEqual([s]);
      await b.follow.remove(s.sessionId);
      await a.follow.reschedule(s.sessionId, now - 1);
      expect(await a.follow.claimDue(now + 5000, 1000, 25)).toEqual([]);
    });
  });

  describe('session registry', () => {
    it('stores, reads and patches records across replicas', async () => {
      const [a, b] = await backend.replicas();
      const r = record();
      await a.registry.put(r);
      expect(await b.registry.get(r.id)).toEqual(r);
      const updated = await b.registry.update(r.id, { status: 'delivered', deliveredAt: new Date().toISOString() });
      expect(updated).toMatchObject({ id: r.id, owner: 'client-a', status: 'delivered' });
      expect(await a.registry.get(r.id)).toEqual(updated);
      expect(await a.registry.update(randomUUID(), { status: 'ended' })).toBeUndefined();
      expect(await a.registry.get(randomUUID())).toBeUndefined();
    });

    it('concurrent patches from two replicas keep every field', async () => {
      const [a, b] = await backend.replicas();
      const r = record();
      await a.registry.put(r);
      await Promise.all([
        a.registry.update(r.id, { readyAt: 'ready' }),
        b.registry.update(r.id, { failureCode: 'code' }),
        a.registry.update(r.id, { endReason: 'why' }),
        b.registry.update(r.id, { expiresAt: 'later' }),
      ]);
      expect(await a.registry.get(r.id)).toMatchObject({ readyAt: 'ready', failureCode: 'code', endReason: 'why', expiresAt: 'later' });
    });

    it('drops a record retainMs after the session can no longer run (TTL)', async () => {
      const [a, b] = await backend.replicas();
      const running = record({ status: 'delivered', maxDuration: 10, deliveredAt: new Date().toISOString() });
      const ended = record({ status: 'provisioning' });
      await a.registry.put(running);
      await a.registry.put(ended);
      await b.registry.update(ended.id, { status: 'ended', endedAt: new Date().toISOString() }); // now retained 300 ms only
      const longAgo = record({ status: 'failed', endedAt: new Date(Date.now() - 10_000).toISOString() });
      await a.registry.put(longAgo); // already past its retention: never readable
      expect(await b.registry.get(ended.id)).toMatchObject({ status: 'ended' });
      expect(await b.registry.get(longAgo.id)).toBeUndefined();
      await sleep(RETAIN_MS + 100);
      expect(await b.registry.get(ended.id)).toBeUndefined();
      expect(await b.registry.get(running.id)).toMatchObject({ status: 'delivered' }); // still within its 10 s
    });
  });

  describe('usage', () => {
    const delivered = async (stores: Stores) => (await stores.usage.read(['2026-11-30']))[0]?.counts.delivered ?? 0;

    it('counts a fact reported by two replicas once', async () => {
      const [a, b] = await backend.replicas(60_000);
      await a.usage.add('2026-11-30', 'client-a', 'music-superstar', { delivered: 1 }, 'delivered:s1');
      await b.usage.add('2026-11-30', 'client-a', 'music-superstar', { delivered: 1 }, 'delivered:s1');
      await b.usage.add('2026-11-30', 'client-a', 'music-superstar', { delivered: 1 }, 'delivered:s2');
      expect(await delivered(a)).toBe(2);
    });

    it('forgets a fact once its marker lapses, so the markers do not pile up', async () => {
      const [a, b] = await backend.replicas(RETAIN_MS);
      await a.usage.add('2026-11-30', 'client-a', 'music-superstar', { delivered: 1 }, 'delivered:s1');
      // Repeats are ignored until the marker lapses; the first one after counts.
      await until(async () => {
        await b.usage.add('2026-11-30', 'client-a', 'music-superstar', { delivered: 1 }, 'delivered:s1');
        return (await delivered(a)) === 2;
      });
      expect(await delivered(b)).toBe(2);
    });
  });

  it('reports healthy', async () => {
    const [a] = await backend.replicas();
    expect(await a.healthy()).toBe(true);
    expect(a.kind).toBe(backend.name);
  });
});
