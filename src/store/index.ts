import type { Config } from '../config';
import type { Logger } from '../logger';
import { memoryStores } from './memory';
import type { Stores } from './types';

// Chosen once at boot: Redis when REDIS_URL is set (several replicas act as one broker), otherwise
// this process's memory (one replica). See docs/scaling.md.

export function createStores(config: Config, logger: Logger): Stores {
  const recordRetainMs = config.SESSION_RECORD_TTL_S * 1000;
  if (!config.REDIS_URL) {
    logger.info('shared state in memory (REDIS_URL unset): run one replica only');
    return memoryStores(recordRetainMs, config.USAGE_RETENTION_DAYS * 86_400_000);
  }
  // Loaded only here: ioredis and rate-limit-redis cost ~20 MB and ~0.1 s that one replica never uses.
  const { createRedisStores } = require('./redis') as typeof import('./redis');
  return createRedisStores({
    url: config.REDIS_URL,
    prefix: config.REDIS_PREFIX,
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    recordRetainMs,
    usageRetainMs: config.USAGE_RETENTION_DAYS * 86_400_000,
    logger: logger.child({ component: 'store' }),
  });
}
