import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.ts';

/**
 * A connection for BullMQ: `maxRetriesPerRequest: null` is required by Workers (blocking
 * commands must wait through a Redis restart instead of failing the job).
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

/** BullMQ needs `maxmemory-policy noeviction`: with eviction Redis can silently drop job keys. */
export async function warnIfEvicting(redis: Redis, log: Logger): Promise<void> {
  try {
    const res = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = res[1];
    if (policy && policy !== 'noeviction') {
      log.warn(
        { policy },
        `Redis maxmemory-policy is "${policy}"; BullMQ requires "noeviction" or jobs can be lost`,
      );
    }
  } catch (err) {
    // Managed Redis often disables CONFIG; nothing to check then.
    log.debug({ err }, 'could not read Redis maxmemory-policy');
  }
}
