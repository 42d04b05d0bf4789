import request from 'supertest';
import { eventually, startHarness, type Harness } from '../support/harness';

// Delivered sessions hold their slot until the follower sees them end. Every one that is due is
// checked in the same tick, not one batch of 25 a second: otherwise a broker delivering faster than
// that runs out of capacity behind its own follow-up queue.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ SESSION_FOLLOW_INTERVAL_MS: '1000' }, { readiness: { kind: 'fixed', ms: 0 }, durationScale: 0.0001 });
});
afterAll(() => h.close());

it('frees every ended session in one follow-up pass', async () => {
  h.broker.follower.stop(); // this test drives the ticks
  const n = 60;
  const answers = await Promise.all(Array.from({ length: n }, () => request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' })));
  expect(answers.map((r) => r.status)).toEqual(Array(n).fill(200));
  expect(await h.broker.admission.count()).toBe(n);
  // Every session has ended upstream (300 s scaled to 30 ms) before the pass.
  await eventually(() => h.emulator.ledger().sessions.filter((s) => s.status === 'COMPLETED').length === n);
  await h.broker.follower.tick(Date.now() + 2000);
  expect(await h.broker.admission.count()).toBe(0);
});
