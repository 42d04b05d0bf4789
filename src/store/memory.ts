import { MemoryJournal } from './journal-memory';
import { MemorySessionRegistry } from './registry';
import type { AdmissionResult, AdmissionStore, FollowedSession, FollowQueue, IdempotencyRecord, IdempotencyStore, Stores } from './types';

// One process's state. Node runs our code on one thread, so check-then-act here is atomic.

export class MemoryAdmission implements AdmissionStore {
  private readonly leases = new Map<string, { clientId: string; expiresAt: number }>();

  async acquire(lease: { id: string; clientId: string; clientLimit: number; globalLimit: number; ttlMs: number }): Promise<AdmissionResult> {
    this.expire();
    if (this.leases.size >= lease.globalLimit) return 'global_full';
    if (this.countNow(lease.clientId) >= lease.clientLimit) return 'client_full';
    this.leases.set(lease.id, { clientId: lease.clientId, expiresAt: Date.now() + lease.ttlMs });
    return 'admitted';
  }

  async extend(leaseId: string, _clientId: string, ttlMs: number): Promise<void> {
    const lease = this.leases.get(leaseId);
    if (lease) lease.expiresAt = Date.now() + ttlMs;
  }

  async release(leaseId: string): Promise<void> {
    this.leases.delete(leaseId);
  }

  async count(clientId?: string): Promise<number> {
    this.expire();
    return clientId === undefined ? this.leases.size : this.countNow(clientId);
  }

  private countNow(clientId: string): number {
    let n = 0;
    for (const lease of this.leases.values()) if (lease.clientId === clientId) n += 1;
    return n;
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, lease] of this.leases) if (lease.expiresAt <= now) this.leases.delete(id);
  }
}

export class MemoryIdempotency implements IdempotencyStore {
  private readonly records = new Map<string, { record: IdempotencyRecord; expiresAt: number }>();

  async claim(key: string, fingerprint: string, ttlMs: number) {
    const existing = this.records.get(key);
    if (existing && existing.expiresAt > Date.now()) return { claimed: false as const, record: existing.record };
    this.records.set(key, { record: { state: 'in_progress', fingerprint }, expiresAt: Date.now() + ttlMs });
    return { claimed: true as const };
  }

  async finish(key: string, record: IdempotencyRecord, ttlMs: number): Promise<void> {
    this.records.set(key, { record, expiresAt: Date.now() + ttlMs });
  }

  async forget(key: string): Promise<void> {
    this.records.delete(key);
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

export function memoryStores(recordRetainMs: number): Stores {
  return {
    kind: 'memory',
    registry: new MemorySessionRegistry(recordRetainMs),
    admission: new MemoryAdmission(),
    idempotency: new MemoryIdempotency(),
    follow: new MemoryFollowQueue(),
    journal: new MemoryJournal(),
    rateLimit: () => undefined,
    healthy: async () => true,
    close: async () => undefined,
  };
}
