import { randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import type { AdmissionStore } from '../store/types';

const MARGIN_MS = 60_000;

/** What a session asks for at admission, for collaborators such as usage budgets. */
export interface AdmissionRequest {
  maxDuration: number;
  avatarId: string;
}

/**
 * A second check after the concurrency slot (usage budgets, src/usage): it may refuse by throwing.
 * Keyed by the lease id: `delivered` when the session reached a client (it then keeps what it
 * reserved until settled), `released` when the lease goes back without delivery.
 */
export interface AdmissionGate {
  admit(leaseId: string, clientId: string, request: AdmissionRequest): Promise<void>;
  delivered(leaseId: string): Promise<void>;
  released(leaseId: string): Promise<void>;
}

/**
 * Per-client and global caps on sessions in flight or running, decided before any upstream call.
 * Slots are leases: a crashed holder's slots come back when the lease runs out.
 */
export class Admission {
  constructor(
    private readonly store: AdmissionStore,
    public globalLimit: number,
    private readonly inflightMs: number,
    private readonly logger: Logger,
    private readonly gate?: AdmissionGate,
  ) {}

  /** Frees one slot held for later use (the warm pool's idle sessions) when the global cap is full; false = none. */
  yieldSlot?: () => Promise<boolean>;

  /** `request` goes to the gate (budgets); `mayEvict: false` for the pool's own slots (never evict to fill the pool). */
  async admit(clientId: string, clientLimit: number, request?: AdmissionRequest, options: { mayEvict?: boolean } = {}): Promise<string> {
    const id = randomUUID();
    const acquire = () =>
      this.store.acquire({ id, clientId, clientLimit, globalLimit: this.globalLimit, ttlMs: this.inflightMs + MARGIN_MS }).catch((err: unknown) => {
        throw new AppError('STORE_UNAVAILABLE', undefined, { retryAfter: 2, cause: err });
      });
    let result = await acquire();
    // Slots held ahead of demand must never turn away a request an unpooled broker would serve.
    if (result === 'global_full' && options.mayEvict !== false && this.yieldSlot && (await this.yieldSlot())) result = await acquire();
    if (result === 'client_full') {
      throw new AppError('CONCURRENCY_LIMIT', `This client already has ${clientLimit} session(s) starting or running; end one or retry later.`, {
        retryAfter: 5,
      });
    }
    if (result === 'global_full') throw new AppError('CAPACITY_EXHAUSTED', undefined, { retryAfter: 5 });
    if (this.gate && request) {
      try {
        await this.gate.admit(id, clientId, request);
      } catch (err) {
        await this.store.release(id, clientId).catch(() => undefined); // the slot's lease expires otherwise
        throw err;
      }
    }
    return id;
  }

  /** Keeps the slot until `releaseBy` at the latest (a delivered session runs up to maxDuration). */
  async holdUntil(leaseId: string, clientId: string, releaseBy: number): Promise<void> {
    await this.store.extend(leaseId, clientId, Math.max(1, releaseBy - Date.now()) + MARGIN_MS);
    // A lost mark only means a later release would refund the reservation: never block the follow-up for it.
    await this.gate?.delivered(leaseId).catch((err: unknown) => {
      this.logger.warn({ err: String(err) }, 'could not mark a budget reservation delivered');
    });
  }

  /** Never throws: a lost release only delays the slot until its lease expires. */
  async release(leaseId: string, clientId: string): Promise<void> {
    await this.store.release(leaseId, clientId).catch((err: unknown) => {
      this.logger.warn({ err: String(err) }, 'could not release a concurrency slot; it frees when its lease expires');
    });
    await this.gate?.released(leaseId).catch((err: unknown) => {
      this.logger.warn({ err: String(err) }, 'could not refund a budget reservation; it stays counted until its window ends');
    });
  }

  count(clientId?: string): Promise<number> {
    return this.store.count(clientId);
  }
}
