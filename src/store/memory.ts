import { MemoryJournal } from './journal-memory';
import { randomUUID } from 'node:crypto';
import { MemoryBudgets, MemoryUsage } from './memory-usage';
import { MemorySessionRegistry } from './registry';
import { MemoryTemplateStore } from './templates';
import type { AdmissionResult, AdmissionStore, FollowedSession, FollowQueue, IdempotencyRecord, IdempotencyStore, Stores } from './types';
import { UNCONFIGURED_RETENTION } from './types';

// One process's state. Node runs our code on one thread, so check-then-act here is atomic.

export class MemoryAdmission implements AdmissionStore {
  private readonly leases = new Map<string, { clientId: string; expiresAt: number }>();
  /** Leases per client, kept with the map, so admission does not scan every lease. */
  private readonly perClient = new Map<string, number>();
  private lastExpiry = 0;

  async acquire(lease: { id: string; clientId: string; clientLimit: number; globalLimit: number; ttlMs: number }): Promise<AdmissionResult> {
    this.expire(false);
    // Expired leases only matter when they would refuse someone: then look for them now.
    if (this.leases.size >= lease.globalLimit || this.countNow(lease.clientId) >= lease.clientLimit) this.expire(true);
    if (this.leases.size >= lease.globalLimit) return 'global_full';
    if (this.countNow(lease.clientId) >= lease.clientLimit) return 'client_full';
    this.leases.set(lease.id, { clientId: lease.clientId, expiresAt: Date.now() + lease.ttlMs });
    this.perClient.set(lease.clientId, this.countNow(lease.clientId) + 1);
    return 'admitted';
  }

  async extend(leaseId: string, _clientId: string, ttlMs: number): Promise<void> {
    const lease = this.leases.get(leaseId);
    if (lease) lease.expiresAt = Date.now() + ttlMs;
  }

  async release(leaseId: string): Promise<void> {
    this.drop(leaseId);
  }

  async count(clientId?: string): Promise<number> {
    this.expire(true);
    return clientId === undefined ? this.leases.size : this.countNow(clientId);
  }

  private countNow(clientId: string): number {
    return this.perClient.get(clientId) ?? 0;
  }

  private drop(leaseId: string): void {
    const lease = this.leases.get(leaseId);
    if (!lease) return;
    this.leases.delete(leaseId);
    const left = this.countNow(lease.clientId) - 1;
    if (left > 0) this.perClient.set(lease.clientId, left);
    else this.perClient.delete(lease.clientId);
  }

  /** A full scan, so at most once a second unless a decision depends on it. */
  private expire(now: boolean): void {
    const at = Date.now();
    if (!now && at - this.lastExpiry < 1000) return;
    this.lastExpiry = at;
    for (const [id, lease] of this.leases) if (lease.expiresAt <= at) this.drop(id);
  }
}

export class MemoryIdempotency implements IdempotencyStore {
  private readonly records = new Map<string, { record: IdempotencyRecord; expiresAt: number }>();

  async claim(key: string, fingerprint: string, leaseMs: number) {
    const existing = this.live(key);
    if (existing) return { claimed: false as const, record: existing };
    const owner = randomUUID();
    this.records.set(key, { record: { state: 'in_progress', fingerprint, owner }, expiresAt: Date.now() + leaseMs });
    return { claimed: true as const, owner };
  }

  async renew(key: string, owner: string, leaseMs: number): Promise<boolean> {
    if (!this.ownedBy(key, owner)) return false;
    this.records.get(key)!.expiresAt = Date.now() + leaseMs;
    return true;
  }

  async finish(key: string, record: IdempotencyRecord, ttlMs: number, owner?: string): Promise<void> {
    if (owner !== undefined && this.live(key) && !this.ownedBy(key, owner)) return;
    this.records.set(key, { record, expiresAt: Date.now() + ttlMs });
  }

  async forget(key: string, owner?: string): Promise<void> {
    if (owner === undefined || this.ownedBy(key, owner)) this.records.delete(key);
  }

  private live(key: string): IdempotencyRecord | undefined {
    const entry = this.records.get(key);
    if (entry && entry.expiresAt <= Date.now()) this.records.delete(key);
    return entry && entry.expiresAt > Date.now() ? entry.record : undefined;
  }

  private ownedBy(key: string, owner: string): boolean {
    const record = this.live(key);
    return record?.state === 'in_progress' && record.owner === owner;
  }
}

export class MemoryFollowQueue implements FollowQueue {
  private readonly entries = new Map<string, { session: FollowedSession; dueAt: number }>();

  async add(session: FollowedSession, dueAt: number): Promise<void> {
    this.entries.set(session.sessionId, { session, dueAt });
  }

  async claimDue(now: number, claimMs: number, max: number): Promise<FollowedSession[]> {
    const due: FollowedSession[] = [];
    for (const entry of this.entries.values()) {
      if (due.length >= max) break;
      if (entry.dueAt > now) continue;
      entry.dueAt = now + claimMs;
      due.push(entry.session);
    }
    return due;
  }

  async reschedule(sessionId: string, dueAt: number): Promise<void> {
    const entry = this.entries.get(sessionId);
    if (entry) entry.dueAt = dueAt;
  }

  async remove(sessionId: string): Promise<void> {
    this.entries.delete(sessionId);
  }
}

/**
 * `usageRetainMs`: how long per-day usage counters are kept (USAGE_RETENTION_DAYS); `factRetainMs`:
 * how long a metered fact's once-marker is kept (store/index.ts retention()).
 */
export function memoryStores(recordRetainMs: number, usageRetainMs: number = UNCONFIGURED_RETENTION.usageRetainMs, factRetainMs: number = UNCONFIGURED_RETENTION.factRetainMs): Stores {
  return {
    kind: 'memory',
    registry: new MemorySessionRegistry(recordRetainMs),
    admission: new MemoryAdmission(),
    idempotency: new MemoryIdempotency(),
    follow: new MemoryFollowQueue(),
    journal: new MemoryJournal(),
    budgets: new MemoryBudgets(),
    usage: new MemoryUsage(usageRetainMs, factRetainMs),
    templates: new MemoryTemplateStore(),
    rateLimit: () => undefined,
    healthy: async () => true,
    close: async () => undefined,
  };
}
