import type { Config } from '../config';
import type { Logger } from '../logger';
import { memoryStores } from './memory';
import type { Stores } from './types';

// Chosen once at boot: Redis when REDIS_URL is set (several replicas act as one broker), otherwise
// this process's memory (one replica). See docs/scaling.md.

/** How long the stores keep what they keep, from the configuration. */
export function retention(config: Config): { recordRetainMs: number; usageRetainMs: number; factRetainMs: number } {
  return {
    recordRetainMs: config.SESSION_RECORD_TTL_S * 1000,
    usageRetainMs: config.USAGE_RETENTION_DAYS * 86_400_000,
    // A metered fact can only be reported again by code holding its session's record, which is
    // dropped SESSION_RECORD_TTL_S after the session can no longer run: remembering the fact for
    // the longest a session runs plus that keeps every repeat out, and no more.
    factRetainMs: (config.SESSION_MAX_DURATION_CAP_S + config.SESSION_RECORD_TTL_S) * 1000,
  };
}

/** The memory stores sized by the configuration. */
export function memoryStoresFor(config: Config): Stores {
  const { recordRetainMs, usageRetainMs, factRetainMs } = retention(config);
  return memoryStores(recordRetainMs, usageRetainMs, factRetainMs);
}

export function createStores(config: Config, logger: Logger): Stores {
  if (!config.REDIS_URL) {
    logger.info('shared state in memory (REDIS_URL unset): run one replica only');
    return memoryStoresFor(config);
  }
  // Loaded only here: ioredis and rate-limit-redis cost ~20 MB and ~0.1 s that one replica never uses.
  const { createRedisStores } = require('./redis') as typeof import('./redis');
  return createRedisStores({
    url: config.REDIS_URL,
    prefix: config.REDIS_PREFIX,
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    ...retention(config),
    logger: logger.child({ component: 'store' }),
  });
}
