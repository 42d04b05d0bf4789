// Non-secret facts about every session the broker started: never a sessionKey, token or URL.
// The interface is async so a shared store (Redis) can stand in for the in-memory one.

export type SessionStatus =
  | 'starting' // create sent to Runway
  | 'queued' // Runway is waiting for account capacity
  | 'provisioning' // Runway is preparing the avatar
  | 'delivered' // credentials (or the key) went to the client
  | 'ended' // a delivered session finished upstream
  | 'failed'
  | 'timed_out'
  | 'cancelled';

export const FINISHED_STATUSES: ReadonlySet<SessionStatus> = new Set(['ended', 'failed', 'timed_out', 'cancelled']);

export interface AvatarRef {
  type: 'runway-preset' | 'custom';
  id: string;
}

export interface SessionRecord {
  id: string;
  owner: string;
  avatar: AvatarRef;
  shape: 'credentials' | 'sessionKey';
  status: SessionStatus;
  maxDuration: number;
  /** When the client's request was admitted (the timeline starts here). */
  requestedAt?: string;
  createdAt: string;
  queuedAt?: string;
  provisioningAt?: string;
  readyAt?: string;
  deliveredAt?: string;
  endedAt?: string;
  /** Credentials: when the call will be cut at the latest. Key shape: when the key stops working. */
  expiresAt?: string;
  failureCode?: string;
  endReason?: string;
  /** The concurrency lease this session holds until it ends. */
  leaseId?: string;
  /** Came READY from the warm pool (src/sessions/pool.ts) rather than created for this request. */
  pooled?: boolean;
  /** The session template that started it (its id; never the rendered text). */
  template?: string;
}

export interface SessionRegistry {
  put(record: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | undefined>;
  update(id: string, patch: Partial<SessionRecord>): Promise<SessionRecord | undefined>;
  close(): Promise<void>;
}

/** In-process registry; records are dropped `retainMs` after the session can no longer be running. */
export class MemorySessionRegistry implements SessionRegistry {
  private readonly records = new Map<string, { record: SessionRecord; evictAt: number }>();

  constructor(private readonly retainMs: number) {}

  async put(record: SessionRecord): Promise<void> {
    this.sweep();
    this.records.set(record.id, { record: { ...record }, evictAt: this.evictAt(record) });
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const entry = this.records.get(id);
    if (!entry) return undefined;
    if (entry.evictAt <= Date.now()) {
      this.records.delete(id);
      return undefined;
    }
    return { ...entry.record };
  }

  async update(id: string, patch: Partial<SessionRecord>): Promise<SessionRecord | undefined> {
    const entry = this.records.get(id);
    if (!entry) return undefined;
    const record = { ...entry.record, ...patch, id };
    this.records.set(id, { record, evictAt: this.evictAt(record) });
    return { ...record };
  }

  async close(): Promise<void> {
    this.records.clear();
  }

  get size(): number {
    return this.records.size;
  }

  private evictAt(record: SessionRecord): number {
    const running = FINISHED_STATUSES.has(record.status) ? 0 : record.maxDuration * 1000;
    const from = Date.parse(record.endedAt ?? record.deliveredAt ?? record.createdAt);
    return from + running + this.retainMs;
  }

  private lastSweep = 0;

  // At most once a second, so a busy broker does not scan the map on every request.
  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [id, entry] of this.records) if (entry.evictAt <= now) this.records.delete(id);
  }
}
