import request from 'supertest';
import { eventually, startHarness, type Harness } from '../support/harness';

// A Runway answer the broker cannot use is a clear 502, never a poll of /v1/realtime_sessions/undefined,
// a 500, or a slot held for nothing.

let h: Harness;
afterEach(() => h?.close());

it('create answers 200 without an id → 502 UPSTREAM_INVALID_RESPONSE; nothing polled, the slot is freed', async () => {
  // (The session Runway created cannot be cancelled by anyone without its id; it ends at its maxDuration.)
  h = await startHarness();
  h.emulator.addFault({ operation: 'realtimeSessions.create', action: { type: 'malformed', omit: ['id'] }, times: 1 });
  const res = await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' });
  expect([res.status, res.body.code]).toEqual([502, 'UPSTREAM_INVALID_RESPONSE']);
  expect(res.body.error).toMatch(/id/);
  const ledger = h.emulator.ledger();
  expect(ledger.requests['realtimeSessions.retrieve'] ?? 0).toBe(0);
  expect(h.logs.text()).not.toContain('undefined/');
  expect(await h.broker.admission.count()).toBe(0);
  // The next create is served normally.
  expect((await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' })).status).toBe(200);
});

it('READY without its sessionKey → 502 UPSTREAM_INVALID_RESPONSE, and the session is cancelled upstream', async () => {
  h = await startHarness();
  h.emulator.addFault({ operation: 'realtimeSessions.retrieve', action: { type: 'malformed', omit: ['sessionKey'] } });
  const res = await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' });
  expect([res.status, res.body.code]).toEqual([502, 'UPSTREAM_INVALID_RESPONSE']);
  h.emulator.clearFaults();
  await eventually(() => h.emulator.ledger().sessions[0]?.status === 'CANCELLED');
  expect(h.emulator.ledger().orphans).toBe(0);
  expect(await h.broker.admission.count()).toBe(0);
});
