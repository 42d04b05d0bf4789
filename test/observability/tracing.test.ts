import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { spawnBroker } from '../support/broker-process';
import { eventually } from '../support/harness';
import { freePort } from '../support/ports';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver';

// The real entry point (dist/main.js, built by `npm test` first) with OTEL_* pointing at an
// in-test OTLP/HTTP receiver: the preload must instrument http, express and undici before they
// load, and the session's steps must arrive as one tree per request.

const KEY = 'key_tracing_test_secret_0123456789';
const SERVER = 2; // SpanKind.SERVER in OTLP
const CLIENT = 3;
const ERROR = 2; // StatusCode.ERROR

let emulator: EmulatorHandle;
let receiver: OtlpReceiver;
let broker: ChildProcess;
let origin: string;
let stdout = '';

beforeAll(async () => {
  emulator = await startEmulator({ settings: { apiKey: KEY, readiness: { kind: 'fixed', ms: 300 }, concurrencyLimit: 100 } });
  receiver = await startOtlpReceiver();
  const port = await freePort();
  broker = spawnBroker({
    port,
    upstream: emulator.url,
    key: KEY,
    env: {
      LOG_LEVEL: 'info',
      ANONYMOUS_SESSIONS: 'on',
      ANONYMOUS_RATE_PER_MIN: '10000',
      ANONYMOUS_MAX_CONCURRENT: '100',
      GLOBAL_MAX_SESSIONS: '100',
      SESSION_READY_TIMEOUT_MS: '2000',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'broker-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    },
  });
  broker.stdout!.on('data', (d) => (stdout += d));
  broker.stderr!.on('data', (d) => (stdout += d));
  origin = `http://127.0.0.1:${port}`;
  await eventually(() => stdout.includes('broker listening'), 45_000);
}, 60_000);

afterAll(async () => {
  broker?.kill('SIGKILL');
  if (broker && broker.exitCode === null) await once(broker, 'exit');
  await receiver?.close();
  await emulator?.close();
});

const newTraceparent = () => {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, header: `00-${traceId}-${parentId}-01` };
};

const inTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
const named = (spans: ReceivedSpan[], name: string) => {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one ${name} span, got ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
};
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);
/** True if `span` hangs (at any depth) under `ancestor` in this set of spans. */
const under = (spans: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean => {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (let at = span.parentSpanId ? byId.get(span.parentSpanId) : undefined; at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined) {
    if (at.spanId === ancestor.spanId) return true;
  }
  return false;
};
const cancelLinkedTo = (traceId: string) => receiver.spans.find((s) => s.name === 'session.cancel' && s.links.some((l) => l.traceId === traceId));

function startSession(traceparent: string, signal?: AbortSignal) {
  // The query string carries a would-be secret: it must not reach any attribute.
  return fetch(`${origin}/api/avatar/session?token=querysecret123`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent, cookie: 'sid=notarealbearer456' },
    body: JSON.stringify({ avatarId: 'music-superstar' }),
    ...(signal ? { signal } : {}),
  });
}

function expectNoSecrets(extra: string[]) {
  const everything = receiver.raw.join('\n');
  for (const secret of [KEY, 'querysecret123', 'notarealbearer456', 'Bearer ', ...extra]) expect(everything).not.toContain(secret);
  for (const span of receiver.spans) {
    for (const key of Object.keys(span.attributes)) expect(key).not.toMatch(/authorization|cookie|session_?key|api_?key/i);
    for (const value of Object.values(span.attributes)) if (typeof value === 'string') expect(value).not.toContain('?');
  }
}

it('traces a delivered session as one tree under the caller’s traceparent, polls as events', async () => {
  const { traceId, parentId, header } = newTraceparent();
  const res = await startSession(header);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { token: string; sessionId: string };
  await eventually(() => inTrace(traceId).some((s) => s.kind === SERVER), 10_000);
  const spans = inTrace(traceId);

  const server = spans.find((s) => s.kind === SERVER)!;
  expect(server.parentSpanId).toBe(parentId); // incoming traceparent honoured
  const steps = ['session.admission', 'session.create', 'session.poll', 'session.deliver'].map((name) => named(spans, name));
  for (const s of steps) expect(under(spans, s, server)).toBe(true);
  const [, create, poll, deliver] = steps as [ReceivedSpan, ReceivedSpan, ReceivedSpan, ReceivedSpan];
  expect(childrenOf(spans, create).some((s) => s.kind === CLIENT)).toBe(true); // the POST to Runway, via undici
  const consume = named(spans, 'session.consume');
  expect(consume.parentSpanId).toBe(deliver.spanId);
  expect(childrenOf(spans, consume).some((s) => s.kind === CLIENT)).toBe(true);
  // Polls are events on one span, never child spans.
  expect(poll.events.filter((e) => e.name === 'poll').length).toBeGreaterThanOrEqual(1);
  expect(poll.events.at(-1)!.attributes['session.status']).toBe('READY');
  expect(childrenOf(spans, poll)).toEqual([]);
  expect(poll.attributes['session.id']).toBe(body.sessionId);
  expect(cancelLinkedTo(traceId)).toBeUndefined();

  // The request log line carries the trace id.
  await eventually(() => stdout.split('\n').some((l) => l.includes(`"traceId":"${traceId}"`) && l.includes('request completed')), 5000);
  expectNoSecrets([body.token]);

  // Its end, whenever it comes (here a DELETE; usually the follower's background check), is a span
  // linked to the one that delivered it.
  expect((await fetch(`${origin}/api/avatar/session/${body.sessionId}`, { method: 'DELETE' })).status).toBe(204);
  await eventually(() => receiver.spans.some((s) => s.name === 'session.ended' && s.attributes['session.id'] === body.sessionId), 10_000);
  const ended = receiver.spans.find((s) => s.name === 'session.ended' && s.attributes['session.id'] === body.sessionId)!;
  expect(ended.links).toEqual([{ traceId, spanId: deliver.spanId }]);
  expect(ended.attributes['session.end_reason']).toBe('requested');
});

it('traces a timed-out session: the polling span fails and the background cancel is its own trace, linked', async () => {
  emulator.updateSettings({ readiness: { kind: 'fixed', ms: 120_000 } });
  const { traceId, header } = newTraceparent();
  const res = await startSession(header);
  expect(res.status).toBe(504);
  await eventually(() => cancelLinkedTo(traceId) !== undefined && inTrace(traceId).some((s) => s.kind === SERVER), 10_000);
  const spans = inTrace(traceId);
  const poll = named(spans, 'session.poll');
  expect(poll.status.code).toBe(ERROR);
  expect(spans.some((s) => s.name === 'session.deliver')).toBe(false);

  const cancel = cancelLinkedTo(traceId)!;
  expect(cancel.traceId).not.toBe(traceId);
  expect(cancel.parentSpanId).toBeUndefined();
  expect(cancel.attributes['session.cancel_reason']).toBe('timeout');
  expect(cancel.attributes['session.id']).toBe(poll.attributes['session.id']);
  expect(spans.map((s) => s.spanId)).toContain(cancel.links[0]!.spanId);
  // The DELETE to Runway is traced under the cancel.
  await eventually(() => receiver.spans.some((s) => s.parentSpanId === cancel.spanId && s.kind === CLIENT), 5000);
  expectNoSecrets([]);
});

it('traces a client abort: the cancel is linked to the request and says why', async () => {
  emulator.updateSettings({ readiness: { kind: 'fixed', ms: 120_000 } });
  const { traceId, header } = newTraceparent();
  const before = emulator.ledger().sessions.length;
  const controller = new AbortController();
  const pending = startSession(header, controller.signal).catch(() => 'aborted');
  await eventually(() => emulator.ledger().sessions.length > before, 5000);
  controller.abort();
  expect(await pending).toBe('aborted');
  await eventually(() => cancelLinkedTo(traceId) !== undefined, 10_000);
  const cancel = cancelLinkedTo(traceId)!;
  expect(cancel.attributes['session.cancel_reason']).toBe('client_closed');
  await eventually(() => inTrace(traceId).some((s) => s.name === 'session.poll'), 5000);
  expect(named(inTrace(traceId), 'session.poll').status.code).toBe(ERROR);
  expectNoSecrets([]);
});
