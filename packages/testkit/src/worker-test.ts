import { createDb } from '@cauce/db';
import { Producer } from '@cauce/queues';
import { createRedis } from '@cauce/runtime';
import { afterAll } from 'vitest';
import { setupTestEnv } from './index.ts';

/**
 * A worker test file's context: its database and BullMQ prefix, a Redis connection, a producer on
 * that prefix and the provider fake `startSim` returns. Closed after the file's own afterAll hooks
 * (vitest runs them in reverse order), so the file's workers stop before what they use.
 */
export async function setupWorkerTest<S extends { close(): Promise<unknown> }>(startSim: () => Promise<S>) {
  const env = await setupTestEnv();
  const db = createDb(env.databaseUrl);
  const redis = createRedis(env.redisUrl);
  const producer = new Producer(redis, env.prefix);
  const sim = await startSim();
  afterAll(async () => {
    await sim.close();
    await producer.close();
    redis.disconnect();
    await db.$disconnect();
  });
  return { env, db, redis, producer, sim };
}
