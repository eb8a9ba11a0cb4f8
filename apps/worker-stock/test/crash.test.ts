import { JOBS, QUEUES } from '@cauce/queues';
import { freePort, startApp, waitFor } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StockWorker, startStockWorker } from '../src/app.ts';
import { runScheduledSync } from '../src/sync.ts';
import { setupStockTest, stockConfig, stockEnvFor } from './support.ts';

const { env, db, redis, producer, sim } = await setupStockTest();
let worker: StockWorker | undefined;

beforeAll(async () => {
  await sim.seed(150);
});
afterAll(async () => {
  await worker?.close();
});

describe('a worker killed mid-run', () => {
  it('frees the sync lock within its TTL, and the next run records the dead one as interrupted', async () => {
    await sim.faults([{ route: '^GET /siigo/v1/products$', latencyMs: 400 }]);
    const port = await freePort();
    const child = await startApp(
      'apps/worker-stock/src/main.ts',
      stockEnvFor(env, sim, {
        WORKER_PORT: String(port),
        SIIGO_SYNC_LOCK_TTL_MS: '1500',
      }),
      { readyUrl: `http://127.0.0.1:${port}/health` },
    );
    try {
      await producer.add(
        QUEUES.siigoSync,
        JOBS.siigoScheduledSync,
        { trigger: 'manual' },
        { jobId: 'crash-run' },
      );
      await waitFor(async () => (await db.product.count()) >= 50, { message: 'the first page written' });
      expect(await db.syncRun.count({ where: { status: 'running' } })).toBe(1);
      expect(await child.stop('SIGKILL')).toBeNull();
    } finally {
      await child.stop('SIGKILL');
    }
    await sim.faults([]);

    worker = await startStockWorker(stockConfig(env, sim, { SIIGO_SYNC_LOCK_TTL_MS: '1500' }));
    const started = Date.now();
    await waitFor(async () => (await runScheduledSync(worker!.stock!)).outcome === 'succeeded', {
      timeoutMs: 10_000,
      intervalMs: 200,
      message: 'a run once the dead one’s lock expired',
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await db.product.count()).toBe(150);
    const dead = await db.syncRun.findFirstOrThrow({ orderBy: { id: 'asc' } });
    expect(dead.status).toBe('failed');
    expect(dead.error).toMatch(/interrupted/);
    expect(await db.syncRun.count({ where: { status: 'running' } })).toBe(0);
  });

  it('SIGTERM during a run stops it between pages, records it cancelled and frees the lock', async () => {
    await worker?.close();
    worker = undefined;
    // The test above killed a worker holding a siigo-sync job; the queue runs one job at a time in
    // the fleet, so clear it rather than wait for that job's lock to expire.
    await producer.queue(QUEUES.siigoSync).obliterate({ force: true });
    await sim.faults([{ route: '^GET /siigo/v1/products$', latencyMs: 500 }]);
    const port = await freePort();
    const child = await startApp(
      'apps/worker-stock/src/main.ts',
      stockEnvFor(env, sim, {
        WORKER_PORT: String(port),
        SIIGO_PAGE_SIZE: '10', // 15 pages of 500 ms: SIGTERM lands mid-run
      }),
      { readyUrl: `http://127.0.0.1:${port}/health` },
    );
    try {
      const before = await db.syncRun.count();
      await sim.resetCalls();
      await producer.add(
        QUEUES.siigoSync,
        JOBS.siigoScheduledSync,
        { trigger: 'manual' },
        { jobId: 'term-run' },
      );
      await waitFor(async () => (await db.syncRun.count()) > before, { message: 'the run started' });
      await waitFor(async () => ((await sim.calls())['GET /siigo/v1/products'] ?? 0) >= 2, {
        message: 'page 2 requested',
      });
      const t0 = Date.now();
      expect(await child.stop('SIGTERM')).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      await child.stop('SIGKILL');
      await sim.faults([]);
    }
    const run = await db.syncRun.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect(run.status).toBe('cancelled');
    expect(await redis.exists(`${env.prefix}:siigo:sync:lock`)).toBe(0);
  });
});
