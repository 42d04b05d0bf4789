// Fault injection as the broker will meet it through the SDK.
import RunwayML from '@runwayml/sdk';
import type { EmulatorHandle } from '../../src/emulator';
import { call, createSession, sdk, start } from './helpers';

let em: EmulatorHandle;
beforeEach(async () => {
  em = await start();
});
afterEach(() => em.close());

const creates = () => em.ledger().requests['realtimeSessions.create'] ?? 0;

test('429 with Retry-After seconds: the SDK waits and retries, and every retry is a new create', async () => {
  em.addFault({ operation: 'realtimeSessions.create', action: { type: 'status', status: 429, retryAfter: 0.2 }, times: 1 });
  const client = sdk(em, { maxRetries: 2 });
  const started = Date.now();
  const id = await createSession(client);
  expect(Date.now() - started).toBeGreaterThanOrEqual(180);
  expect(id).toBeTruthy();
  expect(creates()).toBe(2);
  expect(em.ledger().totals.faultsFired).toBe(1);
});

test('429 with retry-after-ms', async () => {
  em.addFault({ operation: 'realtimeSessions.create', action: { type: 'status', status: 429, retryAfterMs: 150 }, times: 1 });
  const started = Date.now();
  await createSession(sdk(em, { maxRetries: 1 }));
  expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  expect(creates()).toBe(2);
});

test('headers on the wire: Retry-After, retry-after-ms, x-should-retry; custom body', async () => {
  em.addFault({ operation: 'organization.retrieve', action: { type: 'status', status: 503, retryAfter: 1, retryAfterMs: 5, shouldRetry: false, body: { error: 'shed' } } });
  const res = await call(em, 'GET', '/v1/organization');
  expect(res.status).toBe(503);
  expect(res.body).toEqual({ error: 'shed' });
  expect(res.headers.get('retry-after')).toBe('1');
  expect(res.headers.get('retry-after-ms')).toBe('5');
  expect(res.headers.get('x-should-retry')).toBe('false');
});

test('x-should-retry: false stops the SDK from retrying a 503', async () => {
  em.addFault({ operation: 'realtimeSessions.create', action: { type: 'status', status: 503, shouldRetry: false } });
  const err = await createSession(sdk(em, { maxRetries: 2 })).catch((e) => e);
  expect(err).toBeInstanceOf(RunwayML.InternalServerError);
  expect(creates()).toBe(1);
});

test.each([
  [500, RunwayML.InternalServerError],
  [502, RunwayML.InternalServerError],
  [503, RunwayML.InternalServerError],
  [408, RunwayML.APIError],
  [409, RunwayML.ConflictError],
] as const)('status %i surfaces as the matching SDK error and default {error} body', async (status, cls) => {
  em.addFault({ operation: 'realtimeSessions.retrieve', action: { type: 'status', status } });
  const err = await sdk(em).realtimeSessions.retrieve('0f8b6a52-7a55-4c1e-9d51-3f6c2b1d0a11').catch((e) => e);
  expect(err).toBeInstanceOf(cls);
  expect(err.status).toBe(status);
  expect(err.error).toEqual({ error: expect.any(String) });
});

test('connection reset → APIConnectionError; times: 1 then normal service', async () => {
  em.addFault({ operation: 'realtimeSessions.create', action: { type: 'reset' }, times: 1 });
  const client = sdk(em);
  await expect(createSession(client)).rejects.toBeInstanceOf(RunwayML.APIConnectionError);
  await expect(createSession(client)).resolves.toBeTruthy();
  expect(em.ledger().totals.sessions).toBe(1);
});

// Under jest the abort's DOMException comes from another realm, so the SDK reports a plain
// APIConnectionError instead of its APIConnectionTimeoutError subclass; outside jest it is the latter.
test('delay slower than the client timeout aborts the call; shorter delays just slow down', async () => {
  const id = em.addFault({ operation: 'organization.retrieve', action: { type: 'delay', ms: 300 } });
  const before = Date.now();
  await expect(sdk(em, { timeout: 100 }).organization.retrieve()).rejects.toBeInstanceOf(RunwayML.APIConnectionError);
  expect(Date.now() - before).toBeLessThan(280);
  const started = Date.now();
  await sdk(em).organization.retrieve();
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  expect(id).toMatch(/^fault_/);
});

test('delay then status: both fire for one request', async () => {
  em.addFault({ operation: '*', action: { type: 'delay', ms: 60 }, times: 1 });
  em.addFault({ operation: '*', action: { type: 'status', status: 502 }, times: 1 });
  const started = Date.now();
  expect((await call(em, 'GET', '/v1/organization')).status).toBe(502);
  expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  expect((await call(em, 'GET', '/v1/organization')).status).toBe(200);
});

test('method + path regex targeting, and other routes untouched', async () => {
  em.addFault({ method: 'DELETE', path: '^/v1/realtime_sessions/', action: { type: 'status', status: 500 } });
  const client = sdk(em);
  const id = await createSession(client);
  await expect(client.realtimeSessions.delete(id)).rejects.toBeInstanceOf(RunwayML.InternalServerError);
  expect((await client.realtimeSessions.retrieve(id)).status).not.toBe('CANCELLED');
});

test('probability is seeded: the same seed fires on the same requests', async () => {
  const run = async () => {
    em.reset();
    em.addFault({ operation: 'organization.retrieve', action: { type: 'status', status: 500 }, probability: 0.5 });
    const statuses = [];
    for (let i = 0; i < 16; i++) statuses.push((await call(em, 'GET', '/v1/organization')).status);
    return statuses;
  };
  const a = await run();
  const b = await run();
  expect(a).toEqual(b);
  const fired = a.filter((s) => s === 500).length;
  expect(fired).toBeGreaterThan(2);
  expect(fired).toBeLessThan(14);
});

test('clearFaults removes every rule; invalid rules are refused', async () => {
  em.addFault({ operation: '*', action: { type: 'status', status: 500 } });
  em.clearFaults();
  expect((await call(em, 'GET', '/v1/organization')).status).toBe(200);
  expect(() => em.addFault({ action: { type: 'status', status: 99 } } as never)).toThrow();
  expect(() => em.addFault({ path: '([', action: { type: 'reset' } })).toThrow();
});

test('faults never touch the control API', async () => {
  em.addFault({ action: { type: 'status', status: 500 } });
  expect((await fetch(`${em.url}/__emulator/ledger`)).status).toBe(200);
});

test('malformed: the operation runs for real, then its JSON answer loses and gains the named fields', async () => {
  em.addFault({ operation: 'realtimeSessions.create', action: { type: 'malformed', omit: ['id'], set: { note: 'garbled' } }, times: 1 });
  const res = await call(em, 'POST', '/v1/realtime_sessions', { body: { model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: 'music-superstar' } } });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ note: 'garbled' });
  expect(em.ledger().sessions).toHaveLength(1); // the session exists upstream all the same
  const next = await call(em, 'POST', '/v1/realtime_sessions', { body: { model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: 'music-superstar' } } });
  expect(next.body).toMatchObject({ id: expect.any(String) }); // times: 1
});
