import { createDatabase } from '@cauce/db';
import { ALL_QUEUES, Producer } from '@cauce/queues';
import {
  createLogger,
  createRedis,
  createRegistry,
  keepWasmOnBaselineTier,
  secretValues,
  warnIfEvicting,
  warnIfLegacyPrefix,
} from '@cauce/runtime';
import type { IngressConfig } from './config.ts';
import type { IngressDeps } from './context.ts';

/** Connections of one ingress when DB_POOL_MAX is unset: intake group commits (4), redrive, admin. */
export const INGRESS_POOL_MAX = 10;

/** Opens the connections the ingress needs; close() releases them. */
export async function createDeps(
  config: IngressConfig,
  { processMetrics = true }: { processMetrics?: boolean } = {},
): Promise<IngressDeps & { close(): Promise<void> }> {
  const log = createLogger('ingress', config.LOG_LEVEL, { secrets: secretValues(config) });
  const redis = createRedis(config.REDIS_URL, { cluster: config.REDIS_CLUSTER });
  keepWasmOnBaselineTier();
  const database = createDatabase(config.DATABASE_URL, {
    max: config.DB_POOL_MAX ?? INGRESS_POOL_MAX,
    namedStatements: config.DB_PREPARED_STATEMENTS,
    connectTimeoutMs: config.INGRESS_DB_TIMEOUT_MS,
    queryTimeoutMs: config.INGRESS_DB_TIMEOUT_MS,
    onError: (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection lost'),
  });
  const { db, pool } = database;
  const producer = new Producer(redis, config.QUEUE_PREFIX);
  const registry = createRegistry('ingress', { processMetrics });
  await warnIfEvicting(redis, log);
  await warnIfLegacyPrefix(redis, config.QUEUE_PREFIX, ALL_QUEUES, log);
  return {
    config,
    db,
    pool,
    redis,
    producer,
    log,
    registry,
    async close() {
      await producer.close();
      await database.close();
      redis.disconnect();
    },
  };
}
