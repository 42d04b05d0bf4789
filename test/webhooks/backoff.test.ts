import fc from 'fast-check';
import { loadConfig } from '../../src/config';
import { attemptsFor, backoffMs } from '../../src/webhooks/queue';

// Retries last at least the retry window (24 h+ by default) whatever the jitter draws.

const defaults = () => {
  const c = loadConfig({});
  return { baseMs: c.WEBHOOK_RETRY_BASE_MS, maxMs: c.WEBHOOK_RETRY_MAX_MS, windowMs: c.WEBHOOK_RETRY_WINDOW_S * 1000 };
};

it('retries for at least 24 hours with the default settings, even with the shortest jitter', () => {
  const policy = defaults();
  expect(policy.windowMs).toBeGreaterThanOrEqual(24 * 3_600_000);
  const attempts = attemptsFor(policy);
  let shortest = 0;
  for (let n = 1; n < attempts; n += 1) shortest += backoffMs(policy, n, () => 0);
  expect(shortest).toBeGreaterThanOrEqual(24 * 3_600_000);
  expect(attempts).toBeLessThan(100);
});

it('grows exponentially with jitter between half and all of the capped delay', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 1, max: 7_200_000 }), fc.integer({ min: 1, max: 80 }), fc.double({ min: 0, max: 1, noNaN: true }), (baseMs, maxMs, n, r) => {
      const full = Math.min(maxMs, baseMs * 2 ** (n - 1));
      const delay = backoffMs({ baseMs, maxMs, windowMs: 1 }, n, () => r);
      return delay >= Math.floor(full / 2) && delay <= Math.ceil(full);
    }),
  );
});
