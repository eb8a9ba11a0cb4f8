import { createDb } from '@cauce/db';
import { Producer } from '@cauce/queues';
import {
  createLogger,
  createRedis,
  createRegistry,
  keepWasmOnBaselineTier,
  secretValues,
  warnIfEvicting,
} from '@cauce/runtime';
import type { IngressConfig } from './config.ts';
import type { IngressDeps } from './context.ts';

/** Opens the connections the ingress needs; close() releases them. */
export async function createDeps(
  config: IngressConfig,
  { processMetrics = true }: { processMetrics?: boolean } = {},
): Promise<IngressDeps & { close(): Promise<void> }> {
  const log = createLogger('ingress', config.LOG_LEVEL, { secrets: secretValues(config) });
  const redis = createRedis(config.REDIS_URL);
  keepWasmOnBaselineTier();
  const db = createDb(config.DATABASE_URL, {
    connectTimeoutMs: config.INGRESS_DB_TIMEOUT_MS,
    queryTimeoutMs: config.INGRESS_DB_TIMEOUT_MS,
  });
  const producer = new Producer(redis, config.QUEUE_PREFIX);
  const registry = createRegistry('ingress', { processMetrics });
  await warnIfEvicting(redis, log);
  return {
    config,
    db,
    redis,
    producer,
    log,
    registry,
    async close() {
      await producer.close();
      await db.$disconnect();
      redis.disconnect();
    },
  };
}
