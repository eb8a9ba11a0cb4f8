import { createDatabase } from '@cauce/db';
import { Producer } from '@cauce/queues';
import { createRedis } from '@cauce/runtime';
import { afterAll } from 'vitest';
import { setupTestEnv, type TestEnv } from './index.ts';

/**
 * A worker test file's context: its database and BullMQ prefix, a Redis connection, a producer on
 * that prefix and the provider fake `startSim` returns. Closed after the file's own afterAll hooks
 * (vitest runs them in reverse order), so the file's workers stop before what they use.
 */
export async function setupWorkerTest<S extends { close(): Promise<unknown> }>(startSim: () => Promise<S>) {
  const env = await setupTestEnv();
  const database = createDatabase(env.databaseUrl);
  const { db, pool } = database;
  const redis = createRedis(env.redisUrl);
  const producer = new Producer(redis, env.prefix);
  const sim = await startSim();
  afterAll(async () => {
    await sim.close();
    await producer.close();
    redis.disconnect();
    await database.close();
  });
  return { env, db, pool, redis, producer, sim };
}

/**
 * A worker's environment in a test: the file's database and prefix, a free health port on
 * loopback, backoff scaled down 1000x and a short shutdown timeout, then the worker's own `vars`.
 */
export function workerTestEnv(env: TestEnv, vars: Record<string, string>): Record<string, string> {
  return {
    ...env.env,
    WORKER_PORT: '0',
    WORKER_HOST: '127.0.0.1',
    BACKOFF_TIME_SCALE: '0.001',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...vars,
  };
}
