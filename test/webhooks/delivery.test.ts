import request from 'supertest';
import { startHarness, type Harness } from '../support/harness';
import { SECRET, startReceiver, until, type Receiver } from './receiver';

// Signed lifecycle webhooks with the in-memory queue: order per session, no secrets, retries until the
// receiver is back, dead letters and their replay, per-client endpoints and budget alerts.

const ADMIN_KEY = 'admin-key-0123456789abcdef';
const ACME = 'acme-key-0123456789abcdef';
const BETA = 'beta-key-0123456789abcdef';
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

let receiver: Receiver;
let acmeReceiver: Receiver;
let h: Harness | undefined;
beforeEach(async () => {
  receiver = await startReceiver();
  acmeReceiver = await startReceiver();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
  await receiver.close();
  await acmeReceiver.close();
});

const boot = (extra: Record<string, string> = {}, acmeBudget?: Record<string, number>) =>
  startHarness({
    ADMIN_API_KEYS: `ops:${ADMIN_KEY}`,
    CLIENTS_JSON: JSON.stringify([
      { name: 'acme', key: ACME, maxConcurrent: 100, webhook: { url: acmeReceiver.url, secret: SECRET }, ...(acmeBudget ? { budget: acmeBudget } : {}) },
      { name: 'beta', key: BETA, maxConcurrent: 100 },
    ]),
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_ALLOW_PRIVATE: 'true', // the receiver is on loopback
    WEBHOOK_RETRY_BASE_MS: '20',
    WEBHOOK_RETRY_MAX_MS: '100',
    ...extra,
  });

const startSession = (key: string) => request(h!.app).post('/api/avatar/session').set(auth(key)).send({ avatarId: 'music-superstar' }).expect(200);
const endSession = (key: string, id: string) => request(h!.app).delete(`/api/avatar/session/${id}`).set(auth(key)).expect(204);
const typesOf = (r: Receiver, sessionId: string) => r.received.filter((m) => m.data.sessionId === sessionId).map((m) => m.type);

it('sends a session\'s life in order, signed, with the transcript at the end and no credentials', async () => {
  h = await boot();
  const res = await startSession(ACME);
  const id = res.body.sessionId as string;
  await endSession(ACME, id);
  await until(() => typesOf(receiver, id).length === 3);
  expect(typesOf(receiver, id)).toEqual(['session.delivered', 'session.ended', 'conversation.ready']);
  const [delivered, ended, conversation] = receiver.received.filter((m) => m.data.sessionId === id);
  expect(delivered!.data).toMatchObject({ client: 'key:acme', avatar: { id: 'music-superstar' }, deliveredAt: expect.any(String) });
  expect(ended!.data).toMatchObject({ endReason: 'requested', durationSeconds: expect.any(Number) });
  expect(conversation!.data).toMatchObject({ conversationId: id, status: 'ended', transcript: expect.any(Array), links: { conversation: `/api/conversations/${id}` } });
  expect(conversation!.data).not.toHaveProperty('recordingUrl');
  const everything = receiver.received.map((m) => m.raw).join('\n');
  expect(everything).not.toContain(res.body.token);
  expect(everything).not.toMatch(/sessionKey|serverUrl|"token"/);
  expect(receiver.forged).toBe(0);
  // The client's own endpoint hears its sessions; beta's sessions reach the global endpoint only.
  await until(() => typesOf(acmeReceiver, id).length === 3);
  const other = (await startSession(BETA)).body.sessionId as string;
  await until(() => typesOf(receiver, other).includes('session.delivered'));
  expect(typesOf(acmeReceiver, other)).toEqual([]);
});

it('delivers every event, in order per session, to a receiver that was down for a while', async () => {
  h = await boot();
  receiver.down = true;
  const ids: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const id = (await startSession(BETA)).body.sessionId as string;
    await endSession(BETA, id);
    ids.push(id);
  }
  await until(() => receiver.refused >= 10); // several rounds of retries have failed
  expect(receiver.received).toEqual([]);
  receiver.down = false;
  await until(() => ids.every((id) => typesOf(receiver, id).length === 3));
  for (const id of ids) expect(typesOf(receiver, id)).toEqual(['session.delivered', 'session.ended', 'conversation.ready']);
  expect(new Set(receiver.received.map((m) => m.id)).size).toBe(receiver.received.length);
  const metrics = (await request(h.app).get('/metrics')).text;
  expect(metrics).toMatch(/broker_webhook_retries_total\{event="session.delivered"\} [1-9]/);
  expect(metrics).toMatch(/broker_webhook_deliveries_total\{event="session.ended",result="delivered"\} 3/);
  expect(metrics).toMatch(/broker_webhook_queue_depth\{state="waiting"\} 0/);
});

it('keeps a webhook that used every attempt as a dead letter, and replays it through the admin API', async () => {
  h = await boot({ WEBHOOK_RETRY_WINDOW_S: '1' });
  receiver.down = true;
  const id = (await startSession(BETA)).body.sessionId as string;
  const deadLetters = async () => (await request(h!.app).get('/api/webhooks/dead-letters').set(auth(ADMIN_KEY)).expect(200)).body;
  await until(async () => (await deadLetters()).deadLetters.length === 1);
  const [dead] = (await deadLetters()).deadLetters;
  expect(dead).toMatchObject({ endpointId: 'global', type: 'session.delivered', sessionId: id, lastError: 'receiver answered 503' });
  expect(dead.attempts).toBeGreaterThan(3);
  receiver.down = false;
  await request(h.app).post(`/api/webhooks/dead-letters/${encodeURIComponent(dead.id)}/replay`).set(auth(ADMIN_KEY)).expect(202);
  await until(() => typesOf(receiver, id).includes('session.delivered'));
  expect(receiver.received[0]!.id).toBe(dead.id); // the same webhook-id: receivers can deduplicate
  expect((await deadLetters()).deadLetters).toEqual([]);
  await request(h.app).post('/api/webhooks/dead-letters/nope/replay').set(auth(ADMIN_KEY)).expect(404);
  await request(h.app).get('/api/webhooks/dead-letters').set(auth(ACME)).expect(403);
  const endpoints = (await request(h.app).get('/api/webhooks/endpoints').set(auth(ADMIN_KEY)).expect(200)).body.endpoints;
  expect(endpoints).toEqual([
    { id: 'global', url: receiver.url, client: null },
    { id: 'client.acme', url: acmeReceiver.url, client: 'acme' },
  ]);
  expect(JSON.stringify(endpoints)).not.toContain('whsec_');
});

it('tells the client (once per window) when its budget refused a session', async () => {
  h = await boot({}, { sessionsPerDay: 1 });
  await startSession(ACME);
  for (let i = 0; i < 3; i += 1) await request(h.app).post('/api/avatar/session').set(auth(ACME)).send({ avatarId: 'music-superstar' }).expect(429);
  await until(() => acmeReceiver.received.some((m) => m.type === 'usage.budget_exceeded'));
  await until(() => receiver.received.some((m) => m.type === 'usage.budget_exceeded'));
  const alerts = acmeReceiver.received.filter((m) => m.type === 'usage.budget_exceeded');
  expect(alerts).toHaveLength(1);
  expect(alerts[0]!.data).toMatchObject({ client: 'key:acme', budget: 'key:acme', window: 'day', resetsAt: expect.any(String) });
});
