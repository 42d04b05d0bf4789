import { Counter, Gauge, type Registry } from 'prom-client';
import { isAppError } from '../errors';
import type { Logger } from '../logger';
import type { ConversationsApi } from '../runway/conversations';
import type { SessionEvent } from '../sessions/events';
import type { BudgetExceeded } from '../usage/budgets';
import { clientName } from '../usage/subjects';
import type { Resolver } from './address';
import { shownUrl, type Endpoint } from './endpoints';
import { fromBudgetExceeded, fromSessionEvent, jobId, SEQ, WEBHOOK_TYPES, type WebhookJob, type WebhookType } from './messages';
import { attemptsFor, WaitForEarlier, type DeliveryQueue, type RetryPolicy } from './queue';
import { post } from './send';
import { signedHeaders } from './sign';

export interface WebhooksOptions {
  endpoints: Endpoint[];
  queue: DeliveryQueue;
  conversations: ConversationsApi;
  registry: Registry;
  logger: Logger;
  retry: RetryPolicy;
  timeoutMs: number;
  allowPrivate: boolean;
  /** DNS for deliveries (tests stand in a resolver to play DNS rebinding). */
  resolve?: Resolver;
}

/**
 * Turns session events and budget refusals into signed webhooks, one job per endpoint, and delivers
 * them: at least once, a session's events in order at each endpoint, retried with backoff.
 */
export class Webhooks {
  private readonly byId: Map<string, Endpoint>;
  private readonly maxAttempts: number;
  private readonly metrics;

  constructor(private readonly options: WebhooksOptions) {
    this.byId = new Map(options.endpoints.map((e) => [e.id, e]));
    this.maxAttempts = attemptsFor(options.retry);
    this.metrics = webhookMetrics(options.registry, options.queue);
    if (options.endpoints.length) options.queue.start((job, attempt) => this.deliver(job, attempt));
  }

  get endpoints(): { id: string; url: string; client: string | null }[] {
    return this.options.endpoints.map((e) => ({ id: e.id, url: shownUrl(e.url), client: e.client ?? null }));
  }

  get queue(): DeliveryQueue {
    return this.options.queue;
  }

  /** SessionEvents listener. */
  async onSessionEvent(event: SessionEvent): Promise<void> {
    const messages = fromSessionEvent(event);
    if (!messages.length) return;
    for (const endpoint of this.endpointsFor(event.record.owner)) {
      for (const { type, data } of messages) {
        await this.enqueue({ id: jobId(endpoint.id, type, event.record.id), endpointId: endpoint.id, type, sessionId: event.record.id, seq: SEQ[type], at: event.at, data });
      }
    }
  }

  /** Once per refused client, budget and window (job ids deduplicate repeats). */
  async onBudgetExceeded(event: BudgetExceeded): Promise<void> {
    const type: WebhookType = 'usage.budget_exceeded';
    for (const endpoint of this.endpointsFor(event.clientId)) {
      const subject = `${event.clientId}|${event.subject}|${event.window}|${event.resetsAt}`;
      await this.enqueue({ id: jobId(endpoint.id, type, subject), endpointId: endpoint.id, type, seq: SEQ[type], at: new Date().toISOString(), data: fromBudgetExceeded(event) });
    }
  }

  private endpointsFor(clientId: string): Endpoint[] {
    const name = clientName(clientId);
    return this.options.endpoints.filter((e) => e.client === undefined || e.client === name);
  }

  private async enqueue(job: WebhookJob): Promise<void> {
    await this.options.queue.add(job).catch((err: unknown) => {
      this.options.logger.error({ webhookId: job.id, err: String(err) }, 'could not queue a webhook; it is lost');
    });
  }

  /** One attempt. Throws to retry. */
  private async deliver(job: WebhookJob, attempt: number): Promise<void> {
    const endpoint = this.byId.get(job.endpointId);
    if (!endpoint) {
      this.options.logger.warn({ webhookId: job.id }, 'webhook for an endpoint no longer configured; dropped');
      return;
    }
    await this.afterEarlier(job);
    if (attempt > 1) this.metrics.retries.inc({ event: job.type });
    try {
      const data = job.type === 'conversation.ready' ? await this.conversation(job) : job.data;
      const body = JSON.stringify({ type: job.type, timestamp: job.at, data });
      const { status } = await post(endpoint.url, signedHeaders(endpoint.secret, job.id, body), body, {
        timeoutMs: this.options.timeoutMs,
        allowPrivate: this.options.allowPrivate,
        resolve: this.options.resolve,
      });
      if (status < 200 || status >= 300) throw new Error(`receiver answered ${status}`);
      this.metrics.deliveries.inc({ event: job.type, result: 'delivered' });
      this.metrics.latency.set({ event: job.type }, (Date.now() - Date.parse(job.at)) / 1000);
    } catch (err) {
      this.metrics.deliveries.inc({ event: job.type, result: 'failed' });
      if (attempt >= this.maxAttempts) this.metrics.dead.inc({ event: job.type });
      this.options.logger.info({ webhookId: job.id, endpoint: shownUrl(endpoint.url), attempt, err: err instanceof Error ? err.message : String(err) }, 'webhook attempt failed');
      throw err;
    }
  }

  /** A session's later event waits while an earlier one to the same endpoint is still pending. */
  private async afterEarlier(job: WebhookJob): Promise<void> {
    if (!job.sessionId || job.seq <= 1) return;
    for (const type of WEBHOOK_TYPES) {
      if (SEQ[type] < 1 || SEQ[type] >= job.seq) continue;
      if ((await this.options.queue.state(jobId(job.endpointId, type, job.sessionId))) === 'pending') {
        throw new WaitForEarlier(Math.min(this.options.retry.baseMs, 1000));
      }
    }
  }

  /** The transcript once Runway has the conversation; retried (with backoff) until it exists and has ended. */
  private async conversation(job: WebhookJob): Promise<Record<string, unknown>> {
    const conversation = await this.options.conversations.retrieve(job.sessionId!).catch((err: unknown) => {
      throw new Error(isAppError(err) && err.code === 'CONVERSATION_NOT_FOUND' ? 'the conversation is not available yet' : `could not read the conversation: ${String(err)}`);
    });
    if (conversation.status === 'in_progress') throw new Error('the conversation has not ended yet');
    // The recording URL is a short-lived signed link: not sent; the admin API hands out a fresh one.
    return {
      ...job.data,
      status: conversation.status,
      startedAt: conversation.startedAt,
      durationSeconds: conversation.duration,
      transcript: conversation.transcript,
      links: { conversation: `/api/conversations/${conversation.id}`, transcript: `/api/conversations/${conversation.id}/transcript` },
    };
  }
}

function webhookMetrics(registry: Registry, queue: DeliveryQueue) {
  const deliveries = new Counter({
    name: 'broker_webhook_deliveries_total',
    help: 'Webhook delivery attempts by event type and result (delivered, failed)',
    labelNames: ['event', 'result'] as const,
    registers: [registry],
  });
  const retries = new Counter({ name: 'broker_webhook_retries_total', help: 'Webhook attempts after the first, by event type', labelNames: ['event'] as const, registers: [registry] });
  const dead = new Counter({ name: 'broker_webhook_dead_letters_total', help: 'Webhooks that used every attempt (dead letters), by event type', labelNames: ['event'] as const, registers: [registry] });
  const latency = new Gauge({
    name: 'broker_webhook_last_delivery_lag_seconds',
    help: 'Time from the fact to its receipt, for the last delivered webhook of each event type',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'broker_webhook_queue_depth',
    help: 'Webhooks in the delivery queue by state (waiting, delayed, active, dead)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = await queue.counts().catch(() => undefined);
      if (counts) for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  return { deliveries, retries, dead, latency };
}
