import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection: one server (or a Sentinel/managed endpoint) or a Redis Cluster. Every
 * command Cauce sends works on both: all our keys share the hash tag of the prefix
 * (QUEUE_PREFIX, `{cauce}` by default), so they live in one hash slot and Lua scripts, MULTI and
 * pipelines never span slots (docs/operations.md, "Scaling out").
 */
export type RedisConnection = Redis | Cluster;

export interface RedisConnectionOptions extends RedisOptions {
  /** REDIS_URL names one node of a Redis Cluster; the others are discovered from it. */
  cluster?: boolean;
}

/**
 * A connection for BullMQ: `maxRetriesPerRequest: null` is required by Workers (blocking
 * commands must wait through a Redis restart instead of failing the job).
 */
export function createRedis(
  url: string,
  { cluster, ...options }: RedisConnectionOptions = {},
): RedisConnection {
  const redisOptions: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true, ...options };
  if (!cluster) return new Redis(url, redisOptions);
  const u = new URL(url);
  const node = { host: u.hostname, port: Number(u.port || 6379) };
  return new Cluster([node], {
    redisOptions: {
      ...redisOptions,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    },
    enableReadyCheck: true,
    // Fail over and re-shard without dropping commands: they wait for the new slot map.
    enableOfflineQueue: options.enableOfflineQueue ?? true,
  });
}

/** A second connection like `redis` (same server or cluster) with some options changed. */
export function duplicateRedis(redis: RedisConnection, options: RedisOptions = {}): RedisConnection {
  if (redis instanceof Cluster)
    return redis.duplicate(undefined, {
      redisOptions: { ...redis.options.redisOptions, ...options },
      ...(options.enableOfflineQueue === undefined ? {} : { enableOfflineQueue: options.enableOfflineQueue }),
      ...(options.enableAutoPipelining === undefined
        ? {}
        : { enableAutoPipelining: options.enableAutoPipelining }),
    });
  return redis.duplicate(options);
}

/** The masters of a cluster, or the one server: where per-server commands (CLIENT LIST) must go. */
export function redisServers(redis: RedisConnection): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

export const isCluster = (redis: RedisConnection): redis is Cluster => redis instanceof Cluster;
