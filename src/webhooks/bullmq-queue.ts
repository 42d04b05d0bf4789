import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import type { WebhookJob } from './messages';
import { attemptsFor, backoffMs, deadLetter, WaitForEarlier, type DeadLetter, type DeliveryQueue, type JobState, type Processor, type QueueCounts, type RetryPolicy } from './queue';

// Durable delivery on Redis with BullMQ: jobs survive a broker restart, any replica's worker may take
// them, and jobs that used every attempt stay in BullMQ's failed set as dead letters. BullMQ needs its
// own connections that wait instead of failing fast (maxRetriesPerRequest: null, no command timeout),
// unlike the store's.

const QUEUE = 'webhooks';

export class BullDeliveryQueue implements DeliveryQueue {
  readonly durable = true;
  private readonly queue: Queue;
  private worker?: Worker;
  private readonly connections: Redis[] = [];
  private readonly attempts: number;

  constructor(
    private readonly base: Redis,
    private readonly prefix: string,
    private readonly policy: RetryPolicy,
    private readonly concurrency: number,
    private readonly logger: Logger,
    /** Longest attempt (timeout plus the conversation read): a job held longer by a dead worker is taken over. */
    private readonly attemptMs = 10_000,
  ) {
    this.attempts = attemptsFor(policy);
    this.queue = new Queue(QUEUE, { connection: this.connection(), prefix });
    this.queue.on('error', (err) => this.logger.warn({ err: String(err) }, 'webhook queue error'));
  }

  async add(job: WebhookJob): Promise<void> {
    await this.queue.add(job.type, job, {
      jobId: job.id,
      attempts: this.attempts,
      backoff: { type: 'webhook' },
      removeOnComplete: { age: 86_400 },
      removeOnFail: false,
    });
  }

  start(processor: Processor): void {
    this.worker ??= new Worker(
      QUEUE,
      async (job: Job<WebhookJob>, token?: string) => {
        try {
          await processor(job.data, job.attemptsMade + 1);
        } catch (err) {
          if (!(err instanceof WaitForEarlier)) throw err;
          await job.moveToDelayed(Date.now() + err.delayMs, token);
          throw new DelayedError();
        }
      },
      {
        connection: this.connection(),
        prefix: this.prefix,
        concurrency: this.concurrency,
        // A worker killed mid-attempt holds its job until the lock lapses; keep that short but safe.
        lockDuration: 2 * this.attemptMs + 5000,
        stalledInterval: 2 * this.attemptMs + 5000,
        settings: { backoffStrategy: (attemptsMade: number) => backoffMs(this.policy, attemptsMade) },
      },
    );
    this.worker.on('error', (err) => this.logger.warn({ err: String(err) }, 'webhook worker error'));
    this.worker.on('failed', (job, err) => {
      if (job && job.attemptsMade >= this.attempts) this.logger.warn({ webhookId: job.id, attempts: job.attemptsMade, err: err.message }, 'webhook dead-lettered after its last attempt');
    });
  }

  async state(id: string): Promise<JobState> {
    const state = await this.queue.getJobState(id);
    if (state === 'completed') return 'done';
    if (state === 'failed') return 'dead';
    if (state === 'unknown') return 'missing';
    return 'pending';
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const jobs = (await this.queue.getFailed(0, 999)) as Job<WebhookJob>[];
    return jobs.map((job) => deadLetter({ ...job.data, id: String(job.id) }, job.attemptsMade, job.finishedOn, job.failedReason));
  }

  async replay(id: string): Promise<boolean> {
    const job = await this.queue.getJob(id);
    if (!job || (await job.getState()) !== 'failed') return false;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  }

  async counts(): Promise<QueueCounts> {
    const c = await this.queue.getJobCounts('waiting', 'delayed', 'active', 'failed', 'prioritized');
    return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), delayed: c.delayed ?? 0, active: c.active ?? 0, dead: c.failed ?? 0 };
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    for (const connection of this.connections) connection.disconnect();
  }

  private connection(): Redis {
    const connection = this.base.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, commandTimeout: undefined, autoResendUnfulfilledCommands: true, connectionName: 'characters-broker-webhooks' });
    connection.on('error', () => undefined); // BullMQ reports; the store logs outages once
    this.connections.push(connection);
    return connection;
  }
}
