import type { WebhookJob } from './messages';

// Delivery queues: BullMQ on Redis (durable, shared by replicas) or one process's memory. Both retry
// a failing job with the same backoff, keep jobs that ran out of attempts as dead letters, and let an
// earlier event of the same session go first (the processor asks to wait; that is not an attempt).

export class WaitForEarlier extends Error {
  constructor(readonly delayMs: number) {
    super('an earlier event of this session is still being delivered');
  }
}

export type JobState = 'pending' | 'done' | 'dead' | 'missing';

export interface DeadLetter {
  id: string;
  endpointId: string;
  type: string;
  sessionId: string | null;
  attempts: number;
  failedAt: string | null;
  lastError: string | null;
}

/** A dead letter as both queues report it, from the job and what its last attempt left. */
export function deadLetter(job: WebhookJob, attempts: number, failedAtMs: number | undefined, lastError: string | undefined): DeadLetter {
  return {
    id: job.id,
    endpointId: job.endpointId,
    type: job.type,
    sessionId: job.sessionId ?? null,
    attempts,
    failedAt: failedAtMs ? new Date(failedAtMs).toISOString() : null,
    lastError: lastError ?? null,
  };
}

export interface QueueCounts {
  waiting: number;
  delayed: number;
  active: number;
  dead: number;
}

/** Returns when delivered; throws to retry (WaitForEarlier: later, without counting an attempt). */
export type Processor = (job: WebhookJob, attempt: number) => Promise<void>;

export interface DeliveryQueue {
  readonly durable: boolean;
  /** Adds a job unless one with its id exists already (at-least-once without duplicates from replicas). */
  add(job: WebhookJob): Promise<void>;
  start(processor: Processor): void;
  state(id: string): Promise<JobState>;
  deadLetters(): Promise<DeadLetter[]>;
  /** Puts a dead letter back for a fresh round of attempts; false when there is none with that id. */
  replay(id: string): Promise<boolean>;
  counts(): Promise<QueueCounts>;
  close(): Promise<void>;
}

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  /** Retried for at least this long before a job is dead. */
  windowMs: number;
}

/** Exponential backoff with jitter: between half and all of min(max, base·2^(n-1)). */
export function backoffMs(policy: RetryPolicy, attemptsMade: number, random = Math.random): number {
  const full = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(0, attemptsMade - 1), 40));
  return Math.round(full / 2 + (random() * full) / 2);
}

/** Enough attempts that even the shortest jitter keeps retrying for the whole window. */
export function attemptsFor(policy: RetryPolicy): number {
  let total = 0;
  let attempts = 1;
  while (total < policy.windowMs && attempts < 10_000) {
    total += backoffMs(policy, attempts, () => 0);
    attempts += 1;
  }
  return attempts;
}
