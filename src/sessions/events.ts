import type { Logger } from '../logger';
import type { SessionRecord } from '../store/registry';

// The session's life as facts, for whoever wants to react (metrics, usage metering, webhooks,
// tracing) without threading each of them through the orchestrator. Records never hold a
// sessionKey, token or URL, so nothing secret can leave through here.

export type SessionEventType =
  | 'created' // Runway gave us an id
  | 'queued' // Runway is waiting for account capacity
  | 'provisioning' // Runway is preparing the avatar
  | 'ready' // READY seen by our poll
  | 'delivered' // credentials (or the key) handed to the client
  | 'failed' // ended before delivery: Runway failed it or ended it
  | 'timed_out' // not READY within the deadline
  | 'cancelled' // ended before delivery: client gone, shutdown, DELETE, undeliverable
  | 'ended'; // a delivered session finished upstream (or surely passed maxDuration)

export interface SessionEvent {
  type: SessionEventType;
  /** ISO time of the event. */
  at: string;
  record: SessionRecord;
  /** Why it ended (cancel reason, error code or upstream status), for the ending events. */
  reason?: string;
}

export type SessionListener = (event: SessionEvent) => void | Promise<void>;

export class SessionEvents {
  private readonly listeners: SessionListener[] = [];

  constructor(private readonly logger?: Logger) {}

  on(listener: SessionListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Never throws and never waits: a slow or broken listener must not hold up a session. */
  emit(type: SessionEventType, record: SessionRecord, reason?: string): void {
    const event: SessionEvent = { type, at: new Date().toISOString(), record: { ...record }, ...(reason ? { reason } : {}) };
    for (const listener of this.listeners) {
      try {
        const result = listener(event);
        if (result) result.catch((err: unknown) => this.failed(type, err));
      } catch (err) {
        this.failed(type, err);
      }
    }
  }

  private failed(type: SessionEventType, err: unknown): void {
    this.logger?.warn({ event: type, err: err instanceof Error ? err.message : String(err) }, 'session event listener failed');
  }
}
