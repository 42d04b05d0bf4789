// Ledger, orphan accounting, and the /__emulator control API.
import type { EmulatorHandle } from '../../src/emulator';
import { call, consume, createSession, sdk, sleep, start, waitFor, waitReady } from './helpers';

let em: EmulatorHandle;
beforeEach(async () => {
  em = await start();
});
afterEach(() => em.close());

const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${em.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

test('timeline, poll counts, consume and delete counts per session', async () => {
  em.updateSettings({ readiness: { kind: 'fixed', ms: 200 }, durationScale: 1 }); // stays RUNNING until the delete
  const client = sdk(em);
  const id = await createSession(client);
  await client.realtimeSessions.retrieve(id);
  await client.realtimeSessions.retrieve(id);
  const key = await waitReady(client, id);
  await consume(em, id, key);
  await consume(em, id, key);
  await client.realtimeSessions.delete(id);

  const s = em.ledger().sessions[0]!;
  expect(s).toMatchObject({ id, status: 'CANCELLED', consumeAttempts: 2, consumeSuccesses: 1, deletes: 1, orphan: false });
  expect(s.polls).toBeGreaterThanOrEqual(3);
  expect(s.pollsBeforeReady).toBeGreaterThanOrEqual(2);
  expect(s.polls).toBeGreaterThan(s.pollsBeforeReady);
  expect(s.readyAt! - s.createdAt).toBeGreaterThanOrEqual(195);
  expect(s.consumedAt).toBeGreaterThanOrEqual(s.readyAt!);
  expect(s.cancelledAt).toBeGreaterThanOrEqual(s.consumedAt!);
  expect(s.endedAt).toBeNull();
  expect(s.failedAt).toBeNull();
  expect(Number.isInteger(s.createdAt)).toBe(true);
  expect(em.ledger().totals).toMatchObject({ sessions: 1, consumeAttempts: 2, consumeSuccesses: 1, deletes: 1, orphans: 0 });
});

test('orphans: unconsumed and uncancelled count (incl. expired), cancelled / consumed / injected failures do not', async () => {
  em.updateSettings({ sessionKeyTtlMs: 150 });
  const client = sdk(em);
  const expired = await createSession(client);
  const cancelled = await createSession(client);
  const consumed = await createSession(client);
  await client.realtimeSessions.delete(cancelled);
  await consume(em, consumed, await waitReady(client, consumed));
  em.updateSettings({ failureRate: 1 });
  const failed = await createSession(client);
  await waitFor(() => em.ledger().sessions.find((s) => s.id === expired)?.expired && em.ledger().sessions.find((s) => s.id === failed)?.status === 'FAILED');
  const ledger = em.ledger();
  expect(ledger.orphans).toBe(1);
  expect(ledger.sessions.filter((s) => s.orphan).map((s) => s.id)).toEqual([expired]);
  expect(ledger.totals.expired).toBe(1);
  expect(ledger.totals.byStatus).toMatchObject({ FAILED: 2, CANCELLED: 1, RUNNING: 1 });
});

test('GET /__emulator/ledger is the same JSON as handle.ledger(); request counts per operation', async () => {
  em.updateSettings({ readiness: { kind: 'fixed', ms: 5000 } }); // nothing changes between the two reads
  const client = sdk(em);
  await createSession(client);
  await client.organization.retrieve();
  const http = await control('GET', '/ledger');
  expect(http.body).toEqual(JSON.parse(JSON.stringify(em.ledger())));
  expect(http.body.requests).toMatchObject({ 'realtimeSessions.create': 1, 'organization.retrieve': 1 });
});

test('GET/PATCH settings: deep merge, validation in Runway shape, readiness kind switch', async () => {
  const patched = await control('PATCH', '/settings', { readiness: { kind: 'uniform', minMs: 5, maxMs: 10 }, concurrencyLimit: 4 });
  expect(patched.status).toBe(200);
  expect(patched.body.readiness).toEqual({ kind: 'uniform', minMs: 5, maxMs: 10 });
  expect(em.settings().concurrencyLimit).toBe(4);
  expect((await control('GET', '/settings')).body.apiKey).toBe('key_test');
  const bad = await control('PATCH', '/settings', { concurrencyLimit: 0, bogus: 1 });
  expect(bad.status).toBe(400);
  expect(bad.body.error).toBe('Validation of body failed');
  expect(em.settings().concurrencyLimit).toBe(4);
  expect(() => em.updateSettings({ failureRate: 2 })).toThrow(/failureRate/);
});

test('POST/DELETE faults over HTTP', async () => {
  const added = await control('POST', '/faults', { operation: 'organization.retrieve', action: { type: 'status', status: 503 }, times: 2 });
  expect(added.body.id).toEqual(expect.any(String));
  expect((await control('GET', '/faults')).body.faults[0]).toMatchObject({ remaining: 2, fired: 0 });
  expect((await call(em, 'GET', '/v1/organization')).status).toBe(503);
  expect((await control('DELETE', '/faults')).status).toBe(204);
  expect((await call(em, 'GET', '/v1/organization')).status).toBe(200);
  expect((await control('POST', '/faults', { action: { type: 'explode' } })).status).toBe(400);
});

test('reset clears state, faults and timers but keeps settings unless given; seeded ids replay', async () => {
  em.updateSettings({ concurrencyLimit: 3 });
  const client = sdk(em);
  const first = await createSession(client);
  em.addFault({ operation: 'organization.retrieve', action: { type: 'status', status: 500 } });
  const reset = await control('POST', '/reset', {});
  expect(reset.status).toBe(200);
  expect(em.ledger().sessions).toEqual([]);
  expect((await call(em, 'GET', '/v1/organization')).status).toBe(200);
  expect(em.settings().concurrencyLimit).toBe(3);
  expect(await createSession(client)).toBe(first); // same seed, same id sequence

  await control('POST', '/reset', { settings: { seed: 99 }, faults: [{ operation: 'organization.retrieve', action: { type: 'status', status: 418 } }] });
  expect(em.settings()).toMatchObject({ seed: 99, concurrencyLimit: 3 });
  expect(await createSession(client)).not.toBe(first);
  expect((await call(em, 'GET', '/v1/organization')).status).toBe(418);
});

test('a session mid-provisioning does not fire after reset (timers cleared)', async () => {
  em.updateSettings({ readiness: { kind: 'fixed', ms: 30 } });
  await createSession(sdk(em));
  em.reset();
  await sleep(50);
  expect(em.ledger().sessions).toEqual([]);
});

test('control end: COMPLETED (user hung up) or FAILED', async () => {
  const client = sdk(em);
  const a = await createSession(client);
  await consume(em, a, await waitReady(client, a));
  expect((await control('POST', `/sessions/${a}/end`, {})).body.status).toBe('COMPLETED');
  const b = await createSession(client);
  const failed = await control('POST', `/sessions/${b}/end`, { status: 'FAILED', failureCode: 'INTERNAL.WORKER' });
  expect(failed.body).toMatchObject({ status: 'FAILED', failureCode: 'INTERNAL.WORKER' });
  expect((await control('POST', `/sessions/${b}/end`, {})).status).toBe(409);
  expect(em.ledger().orphans).toBe(0);
});
