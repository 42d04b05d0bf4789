// How long does a ready session wait before the broker consumes it, and how many polls does that cost?
// Runs the broker's adaptive poller and a fixed 1-second poller side by side against one emulator whose
// readiness delays follow a log-normal distribution (median 8 s, sigma 0.4), 50 concurrent sessions each.
// Slack = consumedAt − readyAt, both taken from the emulator's own ledger.
//
//   npm run bench -- [sessions=50] [seed=7]
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import RunwayML from '@runwayml/sdk';
import pino from 'pino';
import { createBroker } from '../src/app';
import { loadConfig } from '../src/config';
import { startEmulator, type LedgerSession } from '../src/emulator';
import { RealtimeSessionsApi } from '../src/runway/sessions';
import { Upstream } from '../src/runway/upstream';
import { fmt, mean, quantile } from './stats';

const SESSIONS = Number(process.argv[2] ?? 50);
const SEED = Number(process.argv[3] ?? 7);
const KEY = 'bench-key';

/** The official examples' poller: create, GET every 1 s until READY, consume. */
async function fixedPoller(api: RealtimeSessionsApi, sdk: RunwayML): Promise<string> {
  const { id } = await sdk.realtimeSessions.create({ model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: 'music-superstar' } });
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const s = await sdk.realtimeSessions.retrieve(id);
    if (s.status === 'READY') {
      await api.consume(id, s.sessionKey);
      return id;
    }
  }
}

function summarise(label: string, sessions: LedgerSession[]) {
  const slack = sessions.map((s) => s.consumedAt! - s.readyAt!);
  const polls = sessions.map((s) => s.polls);
  const ready = sessions.map((s) => s.readyAt! - s.createdAt);
  return {
    label,
    n: sessions.length,
    slackMedian: quantile(slack, 0.5),
    slackP95: quantile(slack, 0.95),
    pollsMean: mean(polls),
    pollsMedian: quantile(polls, 0.5),
    pollsP95: quantile(polls, 0.95),
    readyMedian: quantile(ready, 0.5),
  };
}

async function main() {
  const emulator = await startEmulator({
    settings: { apiKey: KEY, seed: SEED, concurrencyLimit: 10_000, readiness: { kind: 'lognormal', medianMs: 8000, sigma: 0.4 } },
  });
  const logger = pino({ level: 'silent' });
  const config = loadConfig({ NODE_ENV: 'test', RUNWAY_MODE: 'emulator' });
  const broker = createBroker({ config, logger, upstream: { baseURL: emulator.url, apiKey: KEY } });
  const server = broker.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sdk = new RunwayML({ apiKey: KEY, baseURL: emulator.url, maxRetries: 0 });
  const api = new RealtimeSessionsApi(
    new Upstream({ apiKey: KEY, baseURL: emulator.url, attemptTimeoutMs: 10_000, retry: { retries: 0, minDelayMs: 1, maxDelayMs: 1 }, logger }),
  );

  const started = Date.now();
  const [brokerIds, fixedIds] = await Promise.all([
    Promise.all(
      Array.from({ length: SESSIONS }, async () => {
        const res = await fetch(`${origin}/api/avatar/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ avatarId: 'music-superstar' }),
        });
        if (!res.ok) throw new Error(`broker answered ${res.status}: ${await res.text()}`);
        return ((await res.json()) as { sessionId: string }).sessionId;
      }),
    ),
    Promise.all(Array.from({ length: SESSIONS }, () => fixedPoller(api, sdk))),
  ]);
  const wallMs = Date.now() - started;

  const ledger = emulator.ledger();
  const pick = (ids: string[]) => ids.map((id) => ledger.sessions.find((s) => s.id === id)!);
  const rows = [summarise('broker (adaptive)', pick(brokerIds)), summarise('fixed 1 s poller', pick(fixedIds))];

  console.log(`\n${SESSIONS} concurrent sessions per poller, readiness lognormal(median 8000 ms, sigma 0.4), seed ${SEED}, wall ${fmt(wallMs / 1000, 1)} s`);
  console.log('| poller | sessions | median slack (ms) | p95 slack (ms) | polls/session mean | median | p95 | median time to READY (ms) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${r.n} | ${fmt(r.slackMedian)} | ${fmt(r.slackP95)} | ${fmt(r.pollsMean, 1)} | ${fmt(r.pollsMedian)} | ${fmt(r.pollsP95)} | ${fmt(r.readyMedian)} |`,
    );
  }
  const [b, f] = rows as [ReturnType<typeof summarise>, ReturnType<typeof summarise>];
  const okSlack = b.slackMedian <= 250;
  const okPolls = b.pollsMean <= 2 * f.pollsMean;
  console.log(`\ntarget: median slack <= 250 ms: ${okSlack ? 'met' : 'MISSED'}; polls <= 2x fixed (${fmt(2 * f.pollsMean, 1)}): ${okPolls ? 'met' : 'MISSED'}`);
  console.log(`orphans left in the emulator: ${ledger.orphans}`);

  server.close();
  await broker.shutdown(0);
  await emulator.close();
  process.exit(okSlack && okPolls ? 0 : 1);
}

void main();
