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
 * Says so when queues still hold jobs waiting or running under the old default prefix `cauce:`
 * while this process uses another: those jobs would wait for ever. `pnpm queues:move-prefix` moves
 * them (docs/operations.md, "Changed default prefix"); QUEUE_PREFIX=cauce keeps running them there.
 */
export async function warnIfLegacyPrefix(
  redis: RedisConnection,
  prefix: string,
  queues: readonly string[],
  log: Logger,
): Promise<void> {
  if (prefix === LEGACY_PREFIX || isCluster(redis)) return;
  try {
    const found: Record<string, number> = {};
    for (const q of queues) {
      const key = (part: string) => `${LEGACY_PREFIX}:${q}:${part}`;
      const [wait, active, delayed, prioritized] = await Promise.all([
        redis.llen(key('wait')),
        redis.llen(key('active')),
        redis.zcard(key('delayed')),
        redis.zcard(key('prioritized')),
      ]);
      const n = wait + active + delayed + prioritized;
      if (n) found[q] = n;
    }
    if (Object.keys(found).length)
      log.warn(
        { jobs: found, prefix },
        `jobs are waiting under the old prefix "${LEGACY_PREFIX}": move them with \`pnpm queues:move-prefix\` (or set QUEUE_PREFIX=${LEGACY_PREFIX} to keep running them there)`,
      );
  } catch (err) {
    log.debug({ err }, 'could not look for jobs under the old prefix');
  }
}
