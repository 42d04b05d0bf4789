import request from 'supertest';
import type { SessionEvent } from '../../src/sessions/events';
import { eventually, startHarness, type Harness } from '../support/harness';

// Listeners (usage, webhooks, tracing) learn a session's life from these events, never secrets.

let h: Harness;
const seen: SessionEvent[] = [];
beforeAll(async () => {
  h = await startHarness({}, { readiness: { kind: 'fixed', ms: 300 } });
  h.broker.events.on((event) => void seen.push(event));
});
afterAll(() => h.close());

const typesFor = (id: string) => seen.filter((e) => e.record.id === id).map((e) => e.type);

it('tells the life of a delivered session in order, then its end, without credentials', async () => {
  const res = await request(h.app).post('/api/avatar/session').send({ avatarId: 'music-superstar' });
  expect(res.status).toBe(200);
  const id = res.body.sessionId as string;
  // 'provisioning' shows only if a poll happened to land before READY.
  expect(typesFor(id).filter((t) => t !== 'provisioning')).toEqual(['created', 'ready', 'delivered']);
  const delivered = seen.find((e) => e.record.id === id && e.type === 'delivered')!;
  expect(delivered.record).toMatchObject({ owner: expect.any(String), avatar: { id: 'music-superstar' }, status: 'delivered' });
  expect(Date.parse(delivered.record.requestedAt!)).toBeLessThanOrEqual(Date.parse(delivered.record.createdAt));
  expect(JSON.stringify(seen)).not.toContain(res.body.token);

  await request(h.app).delete(`/api/avatar/session/${id}`).expect(204);
  await eventually(() => typesFor(id).includes('ended'));
  expect(seen.find((e) => e.record.id === id && e.type === 'ended')!.reason).toBe('requested');
});

it('reports a session the client abandoned as cancelled, with the reason', async () => {
  const slow = await startHarness({}, { readiness: { kind: 'fixed', ms: 120_000 } });
  slow.broker.events.on((event) => void seen.push(event));
  const controller = new AbortController();
  const origin = await slow.listen();
  const pending = fetch(`${origin}/api/avatar/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ avatarId: 'cat-character' }),
    signal: controller.signal,
  }).catch(() => undefined);
  await eventually(() => seen.some((e) => e.type === 'created' && e.record.avatar.id === 'cat-character'));
  controller.abort();
  await pending;
  const created = seen.find((e) => e.type === 'created' && e.record.avatar.id === 'cat-character')!;
  await eventually(() => typesFor(created.record.id).includes('cancelled'));
  expect(seen.find((e) => e.record.id === created.record.id && e.type === 'cancelled')!.reason).toBe('CLIENT_CLOSED_REQUEST');
  await slow.close();
});
