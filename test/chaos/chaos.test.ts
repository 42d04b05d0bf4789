import { existsSync, mkdtempSync } from 'node:fs';
import { Redis } from 'ioredis';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SETTINGS } from '../../src/config';
import type { Ledger } from '../../src/emulator/ledger';
import type { FaultView } from '../../src/emulator/faults';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis';
import { loadContract } from './contract';
import { chaosFaults, CHAOS_UPSTREAM_TIMEOUT_MS } from './faults';
import { writeChaosReport, type ChaosFigures } from './report';
import { BROKER_MAIN, BrokerSlot, CHAOS_KEY, startEmulatorProcess, type EmulatorProc } from './topology';
import { newRecord, runWorkload, type Record } from './workload';

// Chaos: two broker processes on one real redis-server, the standalone emulator injecting faults on
// every upstream operation, and a mixed client workload, while a broker is SIGKILLed and restarted,
// Redis is restarted and a broker is SIGTERMed. The invariants are checked against the emulator's
// ledger, not the brokers' word.
//
//   npm test                    → seeded short run (CHAOS_SESSIONS, default 150)
//   npm run chaos               → full run (CHAOS_FULL=1, 1 200 sessions), figures into RELIABILITY.md
//   CHAOS_SEED=7 CHAOS_SESSIONS=400 … to vary; CHAOS_BROKER_ENV='{"X":"1"}' adds broker settings.

const FULL = process.env.CHAOS_FULL === '1';
const SESSIONS = Number(process.env.CHAOS_SESSIONS ?? (FULL ? 1200 : 150));
const SEED = Number(process.env.CHAOS_SEED ?? 20261130);
const CONCURRENCY = Number(process.env.CHAOS_CONCURRENCY ?? (FULL ? 24 : 12));
/** How long the end state may take to settle (in-flight cancels, follow-ups, a reaper). */
const SETTLE_MS = Number(process.env.CHAOS_SETTLE_MS ?? (FULL ? 60_000 : 30_000));

const STRICT_ORPHANS = FULL || process.env.CHAOS_STRICT_ORPHANS === '1';
/** See the orphan test: how long before a SIGKILL a session may be created without being journaled yet. */
const KILL_WINDOW_MS = 2000;
/** The longest delay test/chaos/faults.ts injects into a create (its create:timeout rule). */
const LONGEST_CREATE_DELAY_MS = CHAOS_UPSTREAM_TIMEOUT_MS + 500;

/** Crash safety (journal + reaper) is on main once its settings exist; until then orphans after a SIGKILL are expected. */
const REAPER_SETTINGS = Object.keys(SETTINGS).filter((k) => /REAPER|HEARTBEAT|JOURNAL/.test(k));
const reaperLanded = REAPER_SETTINGS.length > 0;

/**
 * Findings of this suite that are reported to the lead and not fixed here (the fix belongs to the
 * sessions feature): listed so that the short run stays a gate for anything new. Remove when fixed.
 * - A status read while Redis is down answers 503 STORE_UNAVAILABLE, which the OpenAPI document
 *   does not list for GET /api/avatar/session/{id}.
 */
// Empty: the store outage 503 on the session status and cancel routes is documented now.
const KNOWN_UNDOCUMENTED: string[] = [];

jest.setTimeout(FULL ? 30 * 60_000 : 240_000);

interface Outcome {
  record: Record;
  ledger: Ledger;
  faults: FaultView[];
  events: string[];
  sigtermExit: number | null;
  slots: { [broker: string]: number | undefined };
  settledMs: number;
  durationMs: number;
  killedAt: number;
}

describeWithRedis('chaos: two brokers, one Redis, a faulty Runway, kills and restarts', () => {
  let redis: RedisServer;
  let emulator: EmulatorProc;
  let brokers: BrokerSlot[] = [];
  let outcome: Outcome;

  beforeAll(async () => {
    if (!existsSync(BROKER_MAIN)) throw new Error(`${BROKER_MAIN} is missing: build first (sh scripts/prepare.sh)`);
    const started = Date.now();
    const logDir = mkdtempSync(join(tmpdir(), 'chaos-'));
    redis = await startRedis();
    emulator = await startEmulatorProcess(
      {
        EMULATOR_SEED: String(SEED),
        EMULATOR_READINESS: 'uniform:0:400',
        EMULATOR_CONCURRENCY_LIMIT: '100000',
        EMULATOR_FAILURE_RATE: '0.05',
        // Delivered sessions run 300 s × 0.002 = 0.6 s, so follow-ups free their slots during the run.
        EMULATOR_DURATION_SCALE: '0.002',
      },
      logDir,
    );
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      RUNWAYML_API_SECRET: CHAOS_KEY,
      RUNWAYML_BASE_URL: emulator.url,
      REDIS_URL: redis.url,
      GLOBAL_MAX_SESSIONS: '500',
      ANONYMOUS_RATE_PER_MIN: '100000',
      ANONYMOUS_MAX_CONCURRENT: '10000',
      READ_RATE_PER_MIN: '100000',
      UPSTREAM_TIMEOUT_MS: String(CHAOS_UPSTREAM_TIMEOUT_MS),
      UPSTREAM_MAX_RETRIES: '2',
      SESSION_READY_TIMEOUT_MS: '6000',
      SESSION_FOLLOW_INTERVAL_MS: '1000',
      SHUTDOWN_GRACE_MS: '3000',
      // Crash safety, lowered for speed: a replica silent for 2 s is presumed dead, and its
      // undelivered sessions are cancelled by the survivor (or by itself when it restarts, same REPLICA_ID).
      REPLICA_HEARTBEAT_TTL_MS: '2000',
      REAPER_INTERVAL_MS: '500',
      ...(JSON.parse(process.env.CHAOS_BROKER_ENV ?? '{}') as { [k: string]: string }),
    };
    brokers = [await BrokerSlot.create('broker-a', env, logDir), await BrokerSlot.create('broker-b', env, logDir)];
    await Promise.all(brokers.map((b) => b.start()));
    for (const rule of chaosFaults()) await emulator.control('POST', '/faults', rule);

    const record = newRecord();
    const events: string[] = [];
    let chain = Promise.resolve();
    let sigtermExit: number | null = null;
    let killedAt = 0;
    const [a, b] = brokers as [BrokerSlot, BrokerSlot];
    const at = (fraction: number) => Math.floor(SESSIONS * fraction);
    const schedule = new Map<number, () => Promise<void>>([
      [
        at(0.2),
        async () => {
          await a.stop('SIGKILL');
          events.push(`SIGKILL ${a.name} at ${Date.now() - started} ms`);
          killedAt = Date.now();
          await a.start();
          events.push(`restarted ${a.name}`);
          // One fault at a time: the journal lives in Redis, so the empty Redis restart below must not
          // wipe the dead incarnation's entries before a reaper has taken them (a Redis without
          // persistence loses the journal; README, Crash safety). Wait until they are settled.
          await journalSettled(redis.url, a.name, killedAt);
          events.push(`${a.name}'s leftovers taken by a reaper after ${Date.now() - killedAt} ms`);
        },
      ],
      [
        at(0.45),
        async () => {
          await redis.kill();
          events.push(`SIGKILL redis-server at ${Date.now() - started} ms`);
          await redis.restart();
          events.push('restarted redis-server (empty)');
        },
      ],
      [
        at(0.7),
        async () => {
          sigtermExit = await b.stop('SIGTERM');
          events.push(`SIGTERM ${b.name} at ${Date.now() - started} ms: exit ${sigtermExit}`);
          await b.start();
          events.push(`restarted ${b.name}`);
        },
      ],
    ]);

    await runWorkload(
      {
        sessions: SESSIONS,
        concurrency: CONCURRENCY,
        seed: SEED,
        contract: loadContract(),
        targets: () => brokers.map((s) => ({ name: s.name, url: s.url, up: s.up })),
        hangMs: 30_000,
        abortWithinMs: 600,
        progress: (done) => {
          const event = schedule.get(done);
          if (event) {
            // One disruption at a time: each waits for the previous one to have recovered.
            schedule.delete(done);
            chain = chain.then(event);
          }
        },
      },
      record,
    );
    await chain;
    const workloadEnded = Date.now();

    // What the faults left behind must now be cleaned up by the brokers alone.
    const faults = (await emulator.control<{ faults: FaultView[] }>('GET', '/faults')).faults;
    await emulator.control('DELETE', '/faults');
    let ledger = await emulator.control<Ledger>('GET', '/ledger');
    const slots: Outcome['slots'] = {};
    const until = Date.now() + SETTLE_MS;
    for (;;) {
      ledger = await emulator.control<Ledger>('GET', '/ledger');
      for (const s of brokers) slots[s.name] = await s.metric('broker_sessions_active');
      const settled = ledger.orphans === 0 && Object.values(slots).every((n) => n === 0);
      if (settled || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    outcome = { record, ledger, faults, events, sigtermExit, slots, settledMs: Date.now() - workloadEnded, durationMs: Date.now() - started, killedAt };
    const summary = figures(outcome);
    process.stdout.write(`chaos figures: ${JSON.stringify({ ...summary, responses: undefined }, null, 1)}\nledger orphans (created, relative to the SIGKILL): ${orphanIds(ledger, killedAt).join(', ')}\n`);
    if (FULL) writeChaosReport(summary);
  });

  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.stop('SIGKILL')));
    await emulator?.stop();
    await redis?.stop();
  });

  it('ran the whole schedule: SIGKILL + restart, Redis restart, SIGTERM (exit 0) + restart', () => {
    expect(outcome.events).toHaveLength(7);
    expect(outcome.sigtermExit).toBe(0);
    expect(outcome.record.responses.filter((r) => r.status === 200).length).toBeGreaterThan(SESSIONS * 0.3);
  });

  (reaperLanded ? it : it.failing)('0 orphans in the ledger: every upstream session was consumed or cancelled', () => {
    // The one window no broker can close (README, Crash safety): a create request in flight when its
    // broker is SIGKILLed; nobody learns the id and Runway lists no sessions. Its session is created
    // upstream shortly before the kill, or after it when the emulator delayed the create (up to the
    // longest injected create delay). The short run tolerates those and prints them; the full run and
    // CHAOS_STRICT_ORPHANS=1 do not.
    const all = outcome.ledger.sessions.filter((s) => s.orphan);
    // A session the broker ever polled had its id journaled: never tolerated.
    const inWindow = all.filter((s) => s.polls === 0 && s.createdAt - outcome.killedAt >= -KILL_WINDOW_MS && s.createdAt - outcome.killedAt <= LONGEST_CREATE_DELAY_MS + 500);
    if (inWindow.length > 0) console.warn(`chaos: ${inWindow.length} orphan(s) from creates in flight at the SIGKILL (created ${KILL_WINDOW_MS} ms before to ${LONGEST_CREATE_DELAY_MS + 500} ms after it)`);
    const counted = STRICT_ORPHANS ? all : all.filter((s) => !inWindow.includes(s));
    expect(counted.map((s) => `${s.id} ${s.status} created ${s.createdAt - outcome.killedAt} ms from the SIGKILL`)).toEqual([]);
  });

  it('0 double consumes in the ledger', () => {
    expect(outcome.ledger.sessions.filter((s) => s.consumeSuccesses > 1).map((s) => s.id)).toEqual([]);
  });

  it('0 credentials delivered twice, and every delivered session was consumed exactly once upstream', () => {
    expect(outcome.record.duplicateTokens).toBe(0);
    expect([...outcome.record.delivered].filter(([, n]) => n > 1)).toEqual([]);
    const byId = new Map(outcome.ledger.sessions.map((s) => [s.id, s]));
    expect([...outcome.record.delivered.keys()].filter((id) => byId.get(id)?.consumeSuccesses !== 1)).toEqual([]);
  });

  it('0 responses outside the documented status/code table, and no hangs', () => {
    const unknown = outcome.record.undocumented.filter((r) => !KNOWN_UNDOCUMENTED.includes(`${r.op} ${r.status} ${r.code}`));
    expect(unknown).toEqual([]);
    expect(outcome.record.hangs).toEqual([]);
  });

  it('every concurrency slot is free at the end', () => {
    expect(outcome.slots).toEqual(Object.fromEntries(brokers.map((b) => [b.name, 0])));
  });
});

/** Waits until no journal entry of `replicaId` written before `before` is left (the reaper took them). */
async function journalSettled(url: string, replicaId: string, before: number): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    for (const until = Date.now() + 60_000; Date.now() < until; ) {
      const entries = Object.values(await client.hgetall('cb:{journal}:entries')).map((json) => JSON.parse(json) as { owner: { replicaId: string }; since: number });
      if (!entries.some((e) => e.owner.replicaId === replicaId && e.since <= before)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${replicaId}'s journal entries were not taken by a reaper within 60 s`);
  } finally {
    client.disconnect();
  }
}

function orphanIds(ledger: Ledger, killedAt?: number): string[] {
  return ledger.sessions.filter((s) => s.orphan).map((s) => `${s.id} ${s.status}${killedAt ? ` ${s.createdAt - killedAt} ms` : ''} polls=${s.polls} deletes=${s.deletes}`);
}

function figures(o: Outcome): ChaosFigures {
  const byStatus: { [k: string]: number } = {};
  for (const r of o.record.responses) {
    const key = `${r.op} ${r.status}${r.code ? ` ${r.code}` : ''}`;
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  return {
    seed: SEED,
    sessions: SESSIONS,
    concurrency: CONCURRENCY,
    durationMs: o.durationMs,
    settledMs: o.settledMs,
    actions: o.record.actions,
    upstreamSessions: o.ledger.totals.sessions,
    faults: Object.fromEntries(o.faults.map((f) => [f.id, f.fired])),
    events: o.events,
    responses: byStatus,
    connectionLost: o.record.connectionLost,
    aborted: o.record.aborted,
    delivered: o.record.delivered.size,
    invariants: {
      orphans: o.ledger.orphans,
      doubleConsumes: o.ledger.sessions.filter((s) => s.consumeSuccesses > 1).length,
      credentialsTwice: o.record.duplicateTokens + [...o.record.delivered.values()].filter((n) => n > 1).length,
      undocumented: o.record.undocumented.length,
      hangs: o.record.hangs.length,
      slotsHeld: Object.values(o.slots).reduce<number>((sum, n) => sum + (n ?? 0), 0),
    },
    undocumented: o.record.undocumented.slice(0, 20),
    reaper: reaperLanded ? REAPER_SETTINGS.join(', ') : 'not on main yet',
  };
}
