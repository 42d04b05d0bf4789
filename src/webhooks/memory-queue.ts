import type { Logger } from '../logger';
import type { WebhookJob } from './messages';
import { attemptsFor, backoffMs, deadLetter, WaitForEarlier, type DeadLetter, type DeliveryQueue, type JobState, type Processor, type QueueCounts, type RetryPolicy } from './queue';

// One process's delivery queue, for the memory store. A restart loses every pending delivery and
// every dead letter (README: "Webhooks"); use REDIS_URL for durable delivery.

interface Entry {
  job: WebhookJob;
  state: 'waiting' | 'active' | 'done' | 'dead';
  attemptsMade: number;
  runAt: number;
  finishedAt?: number;
  lastError?: string;
}

const KEEP_DONE_MS = 86_400_000;

export class MemoryDeliveryQueue implements DeliveryQueue {
  readonly durable = false;
  private readonly entries = new Map<string, Entry>();
  private processor?: Processor;
  private timer?: NodeJS.Timeout;
  private running = 0;
  private closed = false;
  private readonly attempts: number;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly concurrency: number,
    private readonly logger: Logger,
  ) {
    this.attempts = attemptsFor(policy);
  }

  async add(job: WebhookJob): Promise<void> {
    if (this.entries.has(job.id)) return;
    this.entries.set(job.id, { job, state: 'waiting', attemptsMade: 0, runAt: Date.now() });
    this.kick();
  }

  start(processor: Processor): void {
    this.processor = processor;
    this.kick();
  }

  async state(id: string): Promise<JobState> {
    const entry = this.entries.get(id);
    if (!entry) return 'missing';
    return entry.state === 'done' ? 'done' : entry.state === 'dead' ? 'dead' : 'pending';
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return [...this.entries.values()]
      .filter((e) => e.state === 'dead')
      .map((e) => deadLetter(e.job, e.attemptsMade, e.finishedAt, e.lastError));
  }

  async replay(id: string): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry || entry.state !== 'dead') return false;
    Object.assign(entry, { state: 'waiting', attemptsMade: 0, runAt: Date.now(), finishedAt: undefined });
    this.kick();
    return true;
  }

  async counts(): Promise<QueueCounts> {
    const now = Date.now();
    const counts = { waiting: 0, delayed: 0, active: 0, dead: 0 };
    for (const e of this.entries.values()) {
      if (e.state === 'active') counts.active += 1;
      else if (e.state === 'dead') counts.dead += 1;
      else if (e.state === 'waiting') counts[e.runAt > now ? 'delayed' : 'waiting'] += 1;
    }
    return counts;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** Runs what is due now and sets one timer for the next due job. */
  private kick(): void {
    if (!this.processor || this.closed) return;
    clearTimeout(this.timer);
    const now = Date.now();
    let next = Infinity;
    for (const entry of this.entries.values()) {
      if (entry.state === 'done' && (entry.finishedAt ?? 0) + KEEP_DONE_MS < now) this.entries.delete(entry.job.id);
      if (entry.state !== 'waiting') continue;
      if (entry.runAt <= now && this.running < this.concurrency) void this.run(entry);
      else next = Math.min(next, Math.max(entry.runAt, now + 5));
    }
    if (next < Infinity) {
      this.timer = setTimeout(() => this.kick(), next - now);
      this.timer.unref();
    }
  }

  private async run(entry: Entry): Promise<void> {
    entry.state = 'active';
    this.running += 1;
    try {
      await this.processor!(entry.job, entry.attemptsMade + 1);
      entry.state = 'done';
      entry.finishedAt = Date.now();
    } catch (err) {
      if (err instanceof WaitForEarlier) {
        Object.assign(entry, { state: 'waiting', runAt: Date.now() + err.delayMs });
      } else {
        entry.attemptsMade += 1;
        entry.lastError = err instanceof Error ? err.message : String(err);
        if (entry.attemptsMade >= this.attempts) {
          Object.assign(entry, { state: 'dead', finishedAt: Date.now() });
          this.logger.warn({ webhookId: entry.job.id, attempts: entry.attemptsMade }, 'webhook dead-lettered after its last attempt');
        } else {
          Object.assign(entry, { state: 'waiting', runAt: Date.now() + backoffMs(this.policy, entry.attemptsMade) });
        }
      }
    } finally {
      this.running -= 1;
      this.kick();
    }
  }
}
