import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { planSession, type SessionPlan } from '../../src/sessions/plan';
import { RealtimeSessionsApi } from '../../src/runway/sessions';
import type { ClientIdentity } from '../../src/access/identity';
import { eventually, startHarness, type Harness } from '../support/harness';

// What a session leaves behind in the broker's memory. The soak (bench/soak.ts) found one listener
// piling up per poll on the session's signal, and every finished session held until its ready
// timeout fired; both grow with load, so here they are checked one by one.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const client: ClientIdentity = {
  id: 'memory-test',
  kind: 'api-key',
  scopes: ['sessions:create'],
  policy: { scopes: ['sessions:create'], ratePerMinute: 100, maxConcurrent: 10, avatars: null, overrides: [], maxDuration: 300 },
};

let h: Harness;
beforeAll(async () => {
  // A ready timeout far longer than the test: anything tied to it would outlive the session.
  h = await startHarness({ SESSION_READY_TIMEOUT_MS: '600000' });
});
afterAll(() => h.close());

const plan = () => planSession({ avatarId: 'music-superstar' }, 'credentials', client, { SESSION_DEFAULT_MAX_DURATION_S: 300, SESSION_MAX_DURATION_CAP_S: 300 });

it('polls many times on one signal without adding a listener per poll', async () => {
  h.emulator.updateSettings({ readiness: { kind: 'fixed', ms: 60_000 } });
  try {
    const sessions = new RealtimeSessionsApi(h.broker.upstream);
    const signal = new AbortController().signal;
    const { id } = await sessions.create(plan().params);
    for (let i = 0; i < 20; i++) await sessions.retrieve(id, { signal });
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    await sessions.cancel(id);
  } finally {
    h.emulator.updateSettings({ readiness: { kind: 'fixed', ms: 50 } });
  }
});

it('lets go of a delivered session at once, not when its ready timeout would have fired', async () => {
  const clientSignal = new AbortController().signal;
  let held: SessionPlan | undefined = plan();
  const ref = new WeakRef(held);
  const delivery = await h.broker.orchestrator.start(held, clientSignal);
  held = undefined;
  expect(delivery.sessionId).toBeTruthy();
  expect(getEventListeners(clientSignal, 'abort')).toHaveLength(0);
  await eventually(async () => {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    return ref.deref() === undefined;
  }, 5000, () => 'the plan of a delivered session is still reachable');
  await h.broker.orchestrator.cancel(delivery.sessionId);
});
