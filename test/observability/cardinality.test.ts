import fc from 'fast-check';
import request from 'supertest';
import { ERROR_CODES } from '../../src/errors';
import { startHarness, type Harness } from '../support/harness';

// Label cardinality stays bounded however callers misbehave: random methods, paths, ids, query
// strings, headers and bodies must land in route templates, status codes and stable error codes,
// never in a label of their own. Counted as series before and after two fuzz rounds.

const MARK = 'zzfuzz';
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const;

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/).map((s) => `${MARK}${s}`);
const path = fc.oneof(
  id.map((x) => `/api/avatar/session/${x}`),
  id.map((x) => `/api/avatar/session/${x}/conversation`),
  id.map((x) => `/api/avatars/${x}`),
  id.map((x) => `/api/documents/${x}`),
  id.map((x) => `/api/conversations/${x}`),
  fc.constant('/api/avatar/session'),
  fc.array(id, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
);
const requestArb = fc.record({
  method: fc.constantFrom(...METHODS),
  path,
  query: fc.option(id.map((x) => `?${x}=${x}&token=${x}`), { nil: '' }),
  body: fc.oneof(
    fc.json(),
    fc.record({ avatarId: fc.oneof(id, fc.constantFrom('music-superstar', 'cat-character')), maxDuration: fc.oneof(fc.integer(), id) }),
  ),
  bearer: fc.option(id, { nil: undefined }),
  idempotencyKey: fc.option(id, { nil: undefined }),
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ SESSION_READY_TIMEOUT_MS: '2000' });
});
afterAll(() => h.close());

/** Label sets of the broker's metrics (a histogram's buckets count once) and every label's values. */
async function series(): Promise<{ count: number; labels: Map<string, Set<string>> }> {
  const metrics = await h.broker.metrics.registry.getMetricsAsJSON();
  const labels = new Map<string, Set<string>>();
  let count = 0;
  for (const metric of metrics) {
    if (!metric.name.startsWith('broker_')) continue;
    const sets = new Set<string>();
    for (const value of metric.values) {
      // A histogram's buckets are one label set: count what callers could multiply.
      const { le: _le, ...rest } = value.labels as Record<string, unknown>;
      sets.add(JSON.stringify(rest));
      for (const [key, v] of Object.entries(value.labels)) {
        if (key === 'le') continue;
        if (!labels.has(key)) labels.set(key, new Set());
        labels.get(key)!.add(String(v));
      }
    }
    count += sets.size;
  }
  return { count, labels };
}

async function fuzz(seed: number, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(requestArb, async (r) => {
      let req = request(h.app)[r.method.toLowerCase() as 'get'](`${r.path}${r.query}`);
      if (r.bearer) req = req.set('authorization', `Bearer ${r.bearer}`);
      if (r.idempotencyKey) req = req.set('idempotency-key', r.idempotencyKey);
      if (r.method !== 'GET' && r.method !== 'HEAD' && r.method !== 'OPTIONS') req = req.send(r.body as object);
      const res = await req;
      expect(res.status).toBeLessThan(600);
    }),
    { seed, numRuns: runs },
  );
}

it('keeps every label value in a bounded set and the series count flat under fuzzing', async () => {
  const before = await series();
  await fuzz(1, 150);
  const afterFirst = await series();
  await fuzz(2, 150);
  const afterSecond = await series();

  for (const [label, values] of afterSecond.labels) {
    for (const value of values) expect(`${label}=${value}`).not.toContain(MARK);
  }
  const codes = new Set([...Object.keys(ERROR_CODES), 'OTHER']);
  for (const code of afterSecond.labels.get('code') ?? []) expect(codes).toContain(code);
  for (const route of afterSecond.labels.get('route') ?? []) expect(route === 'unmatched' || route.startsWith('/')).toBe(true);
  for (const method of afterSecond.labels.get('method') ?? []) expect(METHODS).toContain(method);

  // The first round finds most (method, route, status, code) combinations there are; the second,
  // with other inputs, finds few more. An id, query or header in a label would add about one label
  // set per request (150 per round).
  expect(afterFirst.count).toBeGreaterThan(before.count);
  // (Measured: 8 → 36 → 48.)
  expect(afterSecond.count - afterFirst.count).toBeLessThan(30);
  expect(afterSecond.count).toBeLessThan(300);
}, 120_000);
