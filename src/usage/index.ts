import type { ApiKeyClient, ClientBudget } from '../access/clients';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { SessionEvent } from '../sessions/events';
import type { Stores } from '../store/types';
import type { Registry } from 'prom-client';
import { lazyRouter } from '../http/lazy';
import { anonymousBudgets, Budgets, type BudgetExceeded } from './budgets';
import { UsageGate } from './gate';
import { Metering } from './metering';
import { createUsageMetrics } from './metrics';
import { knownNames } from './subjects';

export type { BudgetExceeded };

export interface UsageOptions {
  config: Config;
  stores: Stores;
  clients: ApiKeyClient[];
  registry: Registry;
  logger: Logger;
}

/** Metering, budgets and /api/usage, assembled for the composition root. */
export function createUsage({ config, stores, clients, registry, logger }: UsageOptions) {
  const metrics = createUsageMetrics(registry, knownNames(clients));
  const exceededListeners: ((event: BudgetExceeded) => void)[] = [];
  const budgetsByClient = new Map<string, ClientBudget>();
  for (const client of clients) if (client.policy.budget) budgetsByClient.set(`key:${client.name}`, client.policy.budget);
  const budgets = new Budgets({
    store: stores.budgets,
    clients: budgetsByClient,
    anonymous: anonymousBudgets(config),
    onExceeded: (event) => {
      metrics.budgetRefused(event.clientId, event.window);
      logger.info({ client: event.clientId, subject: event.subject, window: event.window }, 'session refused: usage budget exhausted');
      for (const listener of exceededListeners) listener(event);
    },
  });
  const metering = new Metering(stores.usage, metrics, logger);
  return {
    budgets,
    metering,
    gate: new UsageGate(budgets, metering),
    // Built on the first /api/usage request: metering and budgets run from boot, the routes need not.
    router: lazyRouter(() => (require('./router') as typeof import('./router')).usageRouter({ usage: stores.usage, budgets, retentionDays: config.USAGE_RETENTION_DAYS })),
    /** SessionEvents listener: meter the event, settle the budget when a delivered session ends. */
    async onEvent(event: SessionEvent): Promise<void> {
      if (event.type === 'ended') {
        await budgets.settle(event.record).catch((err: unknown) => logger.warn({ err: String(err), sessionId: event.record.id }, 'could not settle a budget reservation; it stays counted at maxDuration'));
      }
      await metering.onEvent(event);
    },
    onBudgetExceeded(listener: (event: BudgetExceeded) => void): void {
      exceededListeners.push(listener);
    },
  };
}

export type Usage = ReturnType<typeof createUsage>;
