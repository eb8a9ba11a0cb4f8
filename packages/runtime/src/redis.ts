import { isCluster, type RedisConnection, redisServers } from '@cauce/base';
import type { Logger } from './logger.ts';

/** BullMQ needs `maxmemory-policy noeviction`: with eviction Redis can silently drop job keys. */
export async function warnIfEvicting(redis: RedisConnection, log: Logger): Promise<void> {
  try {
    for (const server of redisServers(redis)) {
      const res = (await server.config('GET', 'maxmemory-policy')) as string[];
      const policy = res[1];
      if (policy && policy !== 'noeviction') {
        log.warn(
          { policy },
          `Redis maxmemory-policy is "${policy}"; BullMQ requires "noeviction" or jobs can be lost`,
        );
        return;
      }
    }
  } catch (err) {
    // Managed Redis often disables CONFIG; nothing to check then.
    log.debug({ err }, 'could not read Redis maxmemory-policy');
  }
}

/** The default prefix before Redis Cluster support (QUEUE_PREFIX `{cauce}` since). */
const LEGACY_PREFIX = 'cauce';

/**
 * Says so when queues still hold jobs under the old default prefix `cauce:` while this process
 * uses another: those jobs would wait for ever. Set QUEUE_PREFIX=cauce to keep running them, or
 * drain them first (docs/operations.md, "Scaling out").
 */
export async function warnIfLegacyPrefix(
  redis: RedisConnection,
  prefix: string,
  queues: readonly string[],
  log: Logger,
): Promise<void> {
  if (prefix === LEGACY_PREFIX || isCluster(redis)) return;
  try {
    const found: string[] = [];
    for (const q of queues) if (await redis.exists(`${LEGACY_PREFIX}:${q}:meta`)) found.push(q);
    if (found.length)
      log.warn(
        { queues: found, prefix },
        `queues exist under the old prefix "${LEGACY_PREFIX}": set QUEUE_PREFIX=${LEGACY_PREFIX} to keep running their jobs, or drain them first`,
      );
  } catch (err) {
    log.debug({ err }, 'could not look for queues under the old prefix');
  }
}
