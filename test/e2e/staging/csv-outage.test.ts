import { createDb, migrate } from '@cauce/db';
import { parseConfig, type WorkerApp } from '@cauce/runtime';
import { type PrivateServices, startPrivateServices, waitFor, workerTestEnv } from '@cauce/testkit';
import { startStagingWorker } from '@cauce/worker-staging';
import { stagingEnv } from '@cauce/worker-staging/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngress } from '../ingress.ts';

/**
 * Redis away when an upload commits: the run must not be lost. A private Redis (and PostgreSQL)
 * of this file's own, so stopping it touches nothing else.
 */
let services: PrivateServices;
let ingress: Awaited<ReturnType<typeof startIngress>>;
let worker: WorkerApp;
let db: ReturnType<typeof createDb>;

beforeAll(async () => {
  services = await startPrivateServices();
  await migrate({ databaseUrl: services.databaseUrl, log: () => {} });
  const env = {
    databaseUrl: services.databaseUrl,
    adminDatabaseUrl: services.databaseUrl,
    redisUrl: services.redisUrl,
    prefix: 'csvoutage',
    env: {
      DATABASE_URL: services.databaseUrl,
      REDIS_URL: services.redisUrl,
      QUEUE_PREFIX: 'csvoutage',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    },
  };
  db = createDb(services.databaseUrl);
  ingress = await startIngress(env, { ADMIN_QUEUE_TIMEOUT_MS: '500', RATE_LIMIT_ENABLED: 'false' });
  worker = await startStagingWorker(parseConfig(stagingEnv, workerTestEnv(env, {})));
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await ingress?.close();
  await db?.$disconnect();
  await services?.stop();
});

describe('CSV upload with Redis down after the commit', () => {
  it('answers 202 with enqueued: false, the run stays queued, and worker-staging imports it once Redis is back', async () => {
    await services.stopRedis();
    let runId = '';
    try {
      const form = new FormData();
      const csv = 'email,name\nana@example.com,Ana\nben@example.com,Ben\n';
      form.append('file', new Blob([csv], { type: 'text/csv' }), 'outage.csv');
      const res = await fetch(`${ingress.base}/api/sync/csv`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ingress.token}` },
        body: form,
      });
      const body = (await res.json()) as { runId: string; enqueued: boolean; status: string };
      expect(res.status).toBe(202);
      expect(body).toMatchObject({ status: 'queued', enqueued: false });
      runId = body.runId;
      expect((await db.syncRun.findUniqueOrThrow({ where: { id: BigInt(runId) } })).status).toBe('queued');
    } finally {
      // The ingress gives up on its own enqueue (its connection closed, its waiting add dropped),
      // so only worker-staging can bring the run to its queue.
      ingress.deps.redis.disconnect();
      await services.startRedis();
    }
    // The worker's reconnect runs its start hook again, which enqueues every queued CSV run.
    const run = await waitFor(
      async () => {
        const r = await db.syncRun.findUniqueOrThrow({ where: { id: BigInt(runId) } });
        return r.status === 'succeeded' ? r : null;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: 'the queued import to succeed after Redis is back' },
    );
    expect(run.counters).toMatchObject({ rows: 2, stored: 2, errors: 0 });
    expect(await db.csvImportRaw.count()).toBe(2);
  }, 120_000);
});
