import { randomBytes } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { createTestDatabase } from './database.ts';
import { deleteRedisPrefix } from './redis-prefix.ts';

export { createTestDatabase, ensureTemplateDatabase, withDatabase } from './database.ts';
export { bearerFetch } from './http.ts';
export * from './metrics.ts';
export { type PgBouncer, pgbouncerUnavailable, startPgBouncer } from './pgbouncer.ts';
export * from './private-services.ts';
export * from './process.ts';
export { type RedisCluster, redisClusterUnavailable, startRedisCluster } from './redis-cluster.ts';
export { deleteRedisPrefix } from './redis-prefix.ts';
export { resolveServices } from './services.ts';
export { setupWorkerTest, workerTestEnv } from './worker-test.ts';

export interface TestEnv {
  /** URL of this file's own database, migrated. */
  databaseUrl: string;
  /** Server URL with the default database, for tests that must stop or administer PostgreSQL. */
  adminDatabaseUrl: string;
  redisUrl: string;
  /** A BullMQ prefix unique to this file, so files run in parallel on one Redis. */
  prefix: string;
  /** Environment for a child process (an app under test) pointing at this file's database and prefix. */
  env: Record<string, string>;
}

/**
 * Call once at the top of an integration test file (inside or outside describe):
 * creates a fresh database from the template and a unique queue prefix, and removes both afterwards.
 */
export async function setupTestEnv(): Promise<TestEnv> {
  const adminUrl = inject('databaseUrl');
  const redisUrl = inject('redisUrl');
  const db = await createTestDatabase(adminUrl, inject('templateDatabase'));
  const prefix = `t${randomBytes(5).toString('hex')}`;
  afterAll(async () => {
    await db.drop().catch(() => {});
    await deleteRedisPrefix(redisUrl, prefix).catch(() => {});
  });
  return {
    databaseUrl: db.url,
    adminDatabaseUrl: adminUrl,
    redisUrl,
    prefix,
    env: {
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    },
  };
}

/**
 * Polls `fn` until it returns a truthy value. The default bound is generous (30 s) because it
 * is a bound, not a latency claim: a loaded CI machine may take many seconds to start a child
 * process, and a wait that fails there is a flaky test, not a finding.
 */
export async function waitFor<T>(
  fn: () => Promise<T> | T,
  { timeoutMs = 30_000, intervalMs = 50, message = 'condition' } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${message}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
