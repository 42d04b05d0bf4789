import type { ApiKeyClient } from '../access/clients';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { ConversationsApi } from '../runway/conversations';
import type { RedisStores } from '../store/redis';
import type { Stores } from '../store/types';
import type { Registry } from 'prom-client';
import { lazyRouter } from '../http/lazy';
import type { Resolver } from './address';
import type { DeliveryQueue } from './queue';
import { webhookEndpoints } from './endpoints';
import { MemoryDeliveryQueue } from './memory-queue';
import { Webhooks } from './service';

export { webhookEndpoints };

export interface WebhookOptions {
  config: Config;
  stores: Stores;
  clients: ApiKeyClient[];
  conversations: ConversationsApi;
  registry: Registry;
  logger: Logger;
  resolve?: Resolver;
}

/** Lifecycle webhooks, assembled for the composition root: BullMQ on the store's Redis, else in memory. */
export function createWebhooks({ config, stores, clients, conversations, registry, logger, resolve }: WebhookOptions) {
  const endpoints = webhookEndpoints(config, clients);
  const retry = { baseMs: config.WEBHOOK_RETRY_BASE_MS, maxMs: config.WEBHOOK_RETRY_MAX_MS, windowMs: config.WEBHOOK_RETRY_WINDOW_S * 1000 };
  let queue: DeliveryQueue;
  if (stores.kind === 'redis' && endpoints.length) {
    // Loaded only here: BullMQ costs ~0.15 s at boot that a broker without Redis or endpoints never uses.
    const { BullDeliveryQueue } = require('./bullmq-queue') as typeof import('./bullmq-queue');
    queue = new BullDeliveryQueue((stores as RedisStores).redis, `${config.REDIS_PREFIX}bull`, retry, config.WEBHOOK_CONCURRENCY, logger, config.WEBHOOK_TIMEOUT_MS);
  } else {
    queue = new MemoryDeliveryQueue(retry, config.WEBHOOK_CONCURRENCY, logger);
  }
  const webhooks = new Webhooks({ endpoints, queue, conversations, registry, logger, retry, timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, resolve });
  // The admin routes are built with their first request (none at all on most brokers).
  const router = lazyRouter(() => (require('./router') as typeof import('./router')).webhooksRouter({ webhooks }));
  return { webhooks, router, close: () => queue.close() };
}
