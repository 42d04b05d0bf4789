import { ArrivalRate, autoSize, meanProvisioningMs, poissonQuantile } from '../../src/sessions/pool-sizing';

describe('auto pool sizing', () => {
  it('Poisson quantile: smallest n with P(N ≤ n) ≥ target', () => {
    expect(poissonQuantile(0, 0.95)).toBe(0);
    expect(poissonQuantile(1, 0.95)).toBe(3); // P(≤2)=0.920, P(≤3)=0.981
    expect(poissonQuantile(5, 0.95)).toBe(9); // P(≤8)=0.932, P(≤9)=0.968
  });

  it('holds λ·L plus a margin, one more than the quantile (a request hits when fewer than n replacements are out)', () => {
    expect(autoSize(1, 5000, 0.95, 100, 300_000)).toBe(10);
    expect(autoSize(1, 5000, 0.95, 4, 300_000)).toBe(4); // within the bound
    expect(autoSize(0.1, 3000, 0.95, 100, 300_000)).toBe(2); // mean 0.3: P(≤1)=0.963
  });

  it('is zero when a held session would likely idle out unused', () => {
    expect(autoSize(1 / 1000, 3000, 0.95, 100, 300_000)).toBe(0);
  });

  it('arrival rate follows load and decays to zero when quiet', () => {
    const rate = new ArrivalRate(30_000);
    for (let t = 0; t < 60_000; t += 500) rate.record(t); // 2/s for a minute
    expect(rate.perSecond(60_000)).toBeGreaterThan(1.5);
    expect(rate.perSecond(60_000 + 10 * 60_000)).toBeLessThan(1e-6);
  });

  it('mean of a log-normal provisioning time', () => {
    expect(meanProvisioningMs(8000, 0)).toBe(8000);
    expect(meanProvisioningMs(8000, 0.4)).toBeCloseTo(8000 * Math.exp(0.08), 6);
  });
});
