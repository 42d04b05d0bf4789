import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { eventually } from '../support/harness';
import { spawnBroker } from '../support/broker-process';
import { freePort } from '../support/ports';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis';

// Crash safety across real processes: a broker SIGKILLed while it holds sessions mid-provisioning
// leaves nothing running upstream. A surviving replica reaps them once the dead one's heartbeat
// lapses; a replica restarted under the same REPLICA_ID reaps them at boot.

const KEY = 'key_crash_test_secret_abcdef0123';

describeWithRedis('crash safety', () => {
  let emulator: EmulatorHandle;
  let redis: RedisServer;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    emulator = await startEmulator({ settings: { apiKey: KEY, readiness: { kind: 'fixed', ms: 600_000 }, concurrencyLimit: 1000 } });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await emulator.close();
    await redis.stop();
  });

  async function broker(env: Record<string, string>): Promise<{ port: number; kill: () => Promise<void> }> {
    const port = await freePort();
    const child = spawnBroker({
      port,
      upstream: emulator.url,
      key: KEY,
      env: {
        RUNWAY_MODE: 'live',
        REDIS_URL: redis.url,
        GLOBAL_MAX_SESSIONS: '1000',
        ANONYMOUS_MAX_CONCURRENT: '1000',
        ANONYMOUS_RATE_PER_MIN: '100000',
        REAPER_INTERVAL_MS: '300',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => process.env.CRASH_TEST_DEBUG && process.stderr.write(d));
    children.push(child);
    for (let i = 0; ; i += 1) {
      if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) break;
      if (i > 400) throw new Error('broker did not become ready');
      await new Promise((r) => setTimeout(r, 50));
    }
    return {
      port,
      kill: async () => {
        child.kill('SIGKILL');
        await once(child, 'exit');
      },
    };
  }

  /** Starts n sessions on the broker (left pending: readiness is 10 minutes) and waits until it polls each. */
  async function holdSessions(port: number, n: number, avatarId: string): Promise<string[]> {
    for (let i = 0; i < n; i += 1) {
      void fetch(`http://127.0.0.1:${port}/api/avatar/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ avatarId }),
      }).catch(() => undefined);
    }
    const mine = () => emulator.ledger().sessions.filter((s) => s.avatar.type === 'runway-preset' && s.avatar.presetId === avatarId);
    // Polled at least once: the broker had the id, so it was journaled.
    await eventually(() => mine().length === n && mine().every((s) => s.polls > 0), 20_000);
    return mine().map((s) => s.id);
  }

  const cancelled = (ids: string[]) => ids.every((id) => emulator.ledger().sessions.find((s) => s.id === id)?.cancelledAt !== null);

  it('a survivor cancels all 20 sessions of a SIGKILLed replica and frees their slots', async () => {
    const a = await broker({ REPLICA_HEARTBEAT_TTL_MS: '3000' });
    const b = await broker({ REPLICA_HEARTBEAT_TTL_MS: '3000' });
    const ids = await holdSessions(a.port, 20, 'music-superstar');
    await a.kill();
    expect(cancelled(ids)).toBe(false);
    await eventually(() => cancelled(ids), 30_000);
    const active = async () => {
      const text = await (await fetch(`http://127.0.0.1:${b.port}/metrics`)).text();
      return Number(/^broker_sessions_active (\d+)/m.exec(text)?.[1]);
    };
    let slots = -1;
    await eventually(() => {
      void active().then(
        (n) => (slots = n),
        () => undefined,
      );
      return slots === 0;
    }, 10_000);
    expect(emulator.ledger().sessions.filter((s) => ids.includes(s.id) && s.orphan)).toEqual([]);
    await b.kill();
  }, 90_000);

  it('a replica restarted under the same REPLICA_ID reaps its leftovers at boot, before its old heartbeat lapses', async () => {
    const env = { REPLICA_ID: 'replica-restarts', REPLICA_HEARTBEAT_TTL_MS: '600000' };
    const first = await broker(env);
    const ids = await holdSessions(first.port, 5, 'cat-character');
    await first.kill();
    const again = await broker(env);
    // The old heartbeat is good for 10 minutes: only boot-time reaping can cancel these in time.
    await eventually(() => cancelled(ids), 20_000);
    await again.kill();
  }, 90_000);
});
