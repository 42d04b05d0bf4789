import type { BudgetCounter, BudgetStore, BudgetUse, ReserveResult, UsageMetric, UsageRow, UsageStore } from './types';
import { USAGE_METRICS } from './types';

// One process's budgets and usage. Node runs our code on one thread, so check-then-act is atomic,
// exactly as the Redis scripts are across replicas.

interface Counter {
  seconds: number;
  sessions: number;
  expiresAt: number;
}

interface Reservation {
  keys: string[];
  seconds: number;
  delivered: boolean;
  expiresAt: number;
}

export class MemoryBudgets implements BudgetStore {
  private readonly counters = new Map<string, Counter>();
  private readonly reservations = new Map<string, Reservation>();

  async reserve(leaseId: string, counters: BudgetCounter[], seconds: number, holdMs: number): Promise<ReserveResult> {
    const now = Date.now();
    for (const [i, c] of counters.entries()) {
      const use = this.live(c.key, now);
      if (c.limitSeconds !== null && use.seconds + seconds > c.limitSeconds) return { ok: false, refusedBy: i };
      if (c.limitSessions !== null && use.sessions + 1 > c.limitSessions) return { ok: false, refusedBy: i };
    }
    for (const c of counters) {
      const counter = this.live(c.key, now);
      counter.seconds += seconds;
      counter.sessions += 1;
      counter.expiresAt = Math.max(counter.expiresAt, now + c.ttlMs);
      this.counters.set(c.key, counter);
    }
    this.reservations.set(leaseId, { keys: counters.map((c) => c.key), seconds, delivered: false, expiresAt: now + holdMs });
    return { ok: true };
  }

  async markDelivered(leaseId: string): Promise<void> {
    const r = this.reservation(leaseId);
    if (r) r.delivered = true;
  }

  async release(leaseId: string): Promise<void> {
    const r = this.reservation(leaseId);
    if (!r || r.delivered) return;
    this.adjust(r.keys, -r.seconds, -1);
    this.reservations.delete(leaseId);
  }

  async settle(leaseId: string, seconds: number): Promise<void> {
    const r = this.reservation(leaseId);
    if (!r) return;
    this.adjust(r.keys, seconds - r.seconds, 0);
    this.reservations.delete(leaseId);
  }

  async read(keys: string[]): Promise<BudgetUse[]> {
    const now = Date.now();
    return keys.map((key) => {
      const c = this.counters.get(key);
      return c && c.expiresAt > now ? { seconds: c.seconds, sessions: c.sessions } : { seconds: 0, sessions: 0 };
    });
  }

  async reset(keys: string[]): Promise<void> {
    for (const key of keys) this.counters.delete(key);
  }

  private live(key: string, now: number): Counter {
    const c = this.counters.get(key);
    return c && c.expiresAt > now ? c : { seconds: 0, sessions: 0, expiresAt: 0 };
  }

  private reservation(leaseId: string): Reservation | undefined {
    const r = this.reservations.get(leaseId);
    if (r && r.expiresAt <= Date.now()) {
      this.reservations.delete(leaseId);
      return undefined;
    }
    return r;
  }

  // Counters that were reset (or expired) are not brought back by a late refund.
  private adjust(keys: string[], seconds: number, sessions: number): void {
    for (const key of keys) {
      const c = this.counters.get(key);
      if (!c) continue;
      c.seconds = Math.max(0, c.seconds + seconds);
      c.sessions = Math.max(0, c.sessions + sessions);
    }
  }
}

export class MemoryUsage implements UsageStore {
  private readonly days = new Map<string, Map<string, UsageRow>>();
  private readonly seen = new Map<string, number>();

  /**
   * `retainMs`: how long per-day rows are kept. `seenForMs`: how long a counted fact is remembered so
   * a repeat is not counted twice (see factRetainMs in store/index.ts).
   */
  constructor(
    private readonly retainMs: number,
    private readonly seenForMs: number,
  ) {}

  async add(day: string, client: string, avatar: string, counts: Partial<Record<UsageMetric, number>>, once?: string): Promise<void> {
    const now = Date.now();
    if (once !== undefined) {
      if ((this.seen.get(once) ?? 0) > now) return;
      this.seen.delete(once); // re-inserted at the end: the map stays in expiry order
      this.seen.set(once, now + this.seenForMs);
    }
    this.sweep(now);
    const rows = this.days.get(day) ?? new Map<string, UsageRow>();
    this.days.set(day, rows);
    const id = `${client}\n${avatar}`;
    const row = rows.get(id) ?? { day, client, avatar, counts: Object.fromEntries(USAGE_METRICS.map((m) => [m, 0])) as Record<UsageMetric, number> };
    for (const [metric, n] of Object.entries(counts) as [UsageMetric, number][]) row.counts[metric] += n;
    rows.set(id, row);
  }

  async read(days: string[]): Promise<UsageRow[]> {
    return days.flatMap((day) => [...(this.days.get(day)?.values() ?? [])].map((row) => ({ ...row, counts: { ...row.counts } })));
  }

  private sweep(now: number): void {
    const oldest = new Date(now - this.retainMs).toISOString().slice(0, 10);
    for (const day of this.days.keys()) if (day < oldest) this.days.delete(day);
    // Every key lives equally long and is inserted at the end, so the expired ones are at the front.
    for (const [key, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(key);
    }
  }
}
