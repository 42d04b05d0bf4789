import { PollSchedule } from '../../src/sessions/poll-schedule';
import { ReadinessModel } from '../../src/sessions/readiness-model';

/** Poll times (ms from start) until `until`, following the schedule. */
function pollTimes(schedule: PollSchedule, until: number): number[] {
  const times: number[] = [];
  let t = 0;
  while (t < until) {
    t += schedule.nextDelay(t, false);
    times.push(t);
  }
  return times;
}

describe('PollSchedule', () => {
  const model = () => new ReadinessModel(8000, 0.5);

  it('polls soon at first, so a fast (or warm) upstream is noticed within a few hundred ms', () => {
    const times = pollTimes(new PollSchedule(model()), 1000);
    expect(times[0]).toBeLessThanOrEqual(150);
    expect(times.filter((t) => t <= 1000).length).toBeGreaterThanOrEqual(2);
  });

  it('polls densest around the expected readiness time, sparser far before it', () => {
    const schedule = new PollSchedule(model());
    const gapAt = (t: number) => schedule.nextDelay(t, false);
    expect(gapAt(8000)).toBeLessThan(600);
    expect(gapAt(3000)).toBeGreaterThan(2 * gapAt(8000));
    expect(gapAt(2000)).toBeGreaterThan(3 * gapAt(8000));
  });

  it('is not a fixed loop: intervals vary over time', () => {
    const times = pollTimes(new PollSchedule(model()), 12_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(new Set(gaps).size).toBeGreaterThan(5);
  });

  it('backs off to a slow steady check while the session is queued for capacity', () => {
    const schedule = new PollSchedule(model());
    expect(schedule.nextDelay(0, true)).toBe(2000);
    expect(schedule.nextDelay(7000, true)).toBe(2000);
  });

  it('never waits longer than 2.5 s while the session is within three times the expected time', () => {
    const schedule = new PollSchedule(model());
    for (const t of [0, 500, 8000, 15_000, 24_000]) expect(schedule.nextDelay(t, false)).toBeLessThanOrEqual(2500);
  });

  it('far past the expected time, waits a fifth of the time so far (at most 10 s), whatever the model says', () => {
    const schedule = new PollSchedule(model());
    const gapAt = (t: number) => schedule.nextDelay(t, false);
    expect(gapAt(30_000)).toBe(6000);
    expect(gapAt(40_000)).toBe(8000);
    for (const t of [100_000, 600_000, 3_600_000]) expect(gapAt(t)).toBe(10_000);
  });

  it('after learning that sessions are fast, backs off a slow one instead of polling it every 100 ms', () => {
    const fast = new ReadinessModel(300, 0.5);
    const schedule = new PollSchedule(fast);
    expect(schedule.nextDelay(300, false)).toBeLessThan(300);
    expect(schedule.nextDelay(2000, false)).toBe(400);
    expect(schedule.nextDelay(20_000, false)).toBe(4000);
  });

  it('keeps polling densely around a slow but expected readiness time', () => {
    const slow = new ReadinessModel(30_000, 0.5);
    expect(new PollSchedule(slow).nextDelay(40_000, false)).toBeLessThanOrEqual(2500);
  });

  it('learns: after observing fast sessions it polls densely earlier', () => {
    const learned = model();
    for (let i = 0; i < 200; i += 1) learned.observe(2000);
    expect(learned.medianMs).toBeLessThan(2500);
    const before = new PollSchedule(model()).nextDelay(2000, false);
    const after = new PollSchedule(learned).nextDelay(2000, false);
    expect(after).toBeLessThan(before);
  });

  it('ignores nonsense observations', () => {
    const m = model();
    m.observe(0);
    m.observe(-5);
    m.observe(Number.NaN);
    expect(m.medianMs).toBeCloseTo(8000, 0);
  });
});
