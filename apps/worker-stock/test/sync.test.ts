import { createDb } from '@cauce/db';
import { QUEUES } from '@cauce/queues';
import { createRedis } from '@cauce/runtime';
import { scrape, setupTestEnv, waitFor } from '@cauce/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StockWorker, SYNC_SCHEDULER_ID, startStockWorker } from '../src/app.ts';
import { runScheduledSync } from '../src/sync.ts';
import { type Sim, type SimProduct, startSim, stockConfig } from './support.ts';

const env = await setupTestEnv();
const db = createDb(env.databaseUrl);
let sim: Sim;
let worker: StockWorker;
let seeded: SimProduct[];

beforeAll(async () => {
  sim = await startSim();
  await sim.seed(120); // three pages of 50
  seeded = await sim.products();
  worker = await startStockWorker(stockConfig(env, sim));
});
afterAll(async () => {
  await worker?.close();
  await sim?.close();
  await db.$disconnect();
});

const metrics = (name: string, labels: Record<string, string> = {}) =>
  scrape(`http://127.0.0.1:${worker.port}/metrics`, name, labels);
const stockOf = async (siigoProductId: string) =>
  Number((await db.product.findUniqueOrThrow({ where: { siigoProductId } })).stock);

describe('scheduled SIIGO stock sync', () => {
  it('first run pages through every product and creates them, warehouses and accents intact', async () => {
    const res = await runScheduledSync(worker.stock!);
    expect(res.outcome).toBe('succeeded');
    expect(await db.product.count()).toBe(120);
    expect(await db.stockChange.count()).toBe(0);
    expect((await sim.calls())['GET /siigo/v1/products']).toBe(3);

    const multi = seeded.find((p) => p.warehouses.length === 3 && /[áéíóúñº–]/.test(p.name))!;
    expect(multi).toBeDefined();
    const row = await db.product.findUniqueOrThrow({ where: { siigoProductId: multi.id } });
    expect(row.name).toBe(multi.name);
    expect(Number(row.stock)).toBe(multi.available_quantity);
    expect(row.warehouses).toEqual(
      multi.warehouses.map((w) => ({ id: String(w.id), name: w.name, quantity: w.quantity })),
    );
    expect(row.lastSource).toBe('scheduled_sync');
    const run = await db.syncRun.findFirstOrThrow({
      where: { source: 'siigo_stock' },
      orderBy: { id: 'desc' },
    });
    expect(run.status).toBe('succeeded');
    expect(run.processed).toBe(120);
    expect(await metrics('last_successful_sync_timestamp_seconds', { sync: 'siigo_stock' })).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
  });

  it('a later run writes exactly the changed products to stock_changes', async () => {
    const [a, b, c, d] = [seeded[3]!, seeded[57]!, seeded[101]!, seeded[20]!];
    const bWarehouse = b.warehouses.at(-1)!;
    await sim.setStock(a.id, a.warehouses[0]!.quantity + 5);
    await sim.setStock(b.id, bWarehouse.quantity + 11, bWarehouse.id); // a non-first warehouse
    await sim.setStock(c.id, 0);
    await sim.rename(d.id, 'Café de Nariño – edición ñ'); // details change, stock unchanged
    const before = (await metrics('siigo_products_changed_total', { kind: 'stock' })) ?? 0;

    const res = await runScheduledSync(worker.stock!);
    expect(res.outcome).toBe('succeeded');
    if (res.outcome !== 'succeeded') return;
    expect(res.counters).toMatchObject({ checked: 120, created: 0, stockChanged: 3, updated: 4 });

    const changes = await db.stockChange.findMany({ orderBy: { siigoProductId: 'asc' } });
    const expected = [
      { id: a.id, old: a.available_quantity, new: a.available_quantity + 5 },
      { id: b.id, old: b.available_quantity, new: b.available_quantity + 11 },
      { id: c.id, old: c.available_quantity, new: c.available_quantity - c.warehouses[0]!.quantity },
    ].sort((x, y) => x.id.localeCompare(y.id));
    expect(
      changes.map((ch) => ({ id: ch.siigoProductId, old: Number(ch.oldStock), new: Number(ch.newStock) })),
    ).toEqual(expected);
    expect(new Set(changes.map((ch) => ch.source))).toEqual(new Set(['scheduled_sync']));
    expect(await stockOf(b.id)).toBe(b.available_quantity + 11);
    expect((await db.product.findUniqueOrThrow({ where: { siigoProductId: d.id } })).name).toBe(
      'Café de Nariño – edición ñ',
    );
    expect(await metrics('siigo_products_changed_total', { kind: 'stock' })).toBe(before + 3);

    // Nothing changed since: a third run writes nothing.
    const again = await runScheduledSync(worker.stock!);
    expect(again.outcome === 'succeeded' && again.counters.updated).toBe(0);
    expect(await db.stockChange.count()).toBe(3);
  });

  it('token expiry mid-run renews the token once and the run continues', async () => {
    const last = seeded[0]!; // oldest product: listed on the last page
    const { product } = await sim.setStock(last.id, 77);
    await sim.resetCalls();
    const auth401Before = (await metrics('siigo_api_calls_total', { status: '401' })) ?? 0;
    await sim.expireTokens(1); // page 1 is served, then every token dies

    const res = await runScheduledSync(worker.stock!);
    expect(res.outcome).toBe('succeeded');
    const calls = await sim.calls();
    expect(calls['POST /siigo/auth']).toBe(1);
    // 3 pages + pages 2 and 3 once more: both went out together (SIIGO_SYNC_CONCURRENCY) with the
    // dead token; the second 401 finds the token already renewed and only retries.
    expect(calls['GET /siigo/v1/products']).toBe(5);
    expect(await metrics('siigo_api_calls_total', { status: '401' })).toBe(auth401Before + 2);
    expect(await stockOf(last.id)).toBe(product.available_quantity);
  });

  it('a listed product that does not parse is skipped and reported, not fatal to the run', async () => {
    const bad = seeded[30]!;
    const good = seeded[31]!;
    await sim.patch(bad.id, { available_quantity: 'lots' });
    await sim.setStock(good.id, 55);
    try {
      const res = await runScheduledSync(worker.stock!);
      expect(res.outcome).toBe('succeeded');
      if (res.outcome !== 'succeeded') return;
      expect(res.counters).toMatchObject({ invalid: 1, checked: 119, stockChanged: 1 });
    } finally {
      await sim.patch(bad.id, { available_quantity: bad.available_quantity });
    }
  });

  it('a run that overlaps a running one does not start', async () => {
    await sim.faults([{ route: '^GET /siigo/v1/products$', latencyMs: 150 }]);
    try {
      const [x, y] = await Promise.all([runScheduledSync(worker.stock!), runScheduledSync(worker.stock!)]);
      expect([x.outcome, y.outcome].sort()).toEqual(['skipped_overlap', 'succeeded']);
      expect(await metrics('siigo_sync_runs_total', { outcome: 'skipped_overlap' })).toBe(1);
    } finally {
      await sim.faults([]);
    }
  });

  it('two workers upserting the scheduler at once leave one schedule, and it fires', async () => {
    const cfg = stockConfig(env, sim, { SIIGO_SYNC_SCHEDULE: 'true', SIIGO_SYNC_INTERVAL_MS: '400' });
    const runsBefore = await db.syncRun.count({ where: { status: 'succeeded' } });
    const pair = await Promise.all([startStockWorker(cfg), startStockWorker(cfg)]);
    const redis = createRedis(env.redisUrl);
    const queue = new Queue(QUEUES.siigoSync, { connection: redis, prefix: env.prefix });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key)).toEqual([SYNC_SCHEDULER_ID]);
      await waitFor(
        async () => (await db.syncRun.count({ where: { status: 'succeeded' } })) >= runsBefore + 2,
        {
          timeoutMs: 10_000,
          message: 'two scheduled runs',
        },
      );
      expect(await queue.getJobSchedulersCount()).toBe(1);
      // Never two runs at once: every run's interval is disjoint from the others'.
      const runs = await db.syncRun.findMany({
        where: { status: 'succeeded' },
        orderBy: { startedAt: 'asc' },
      });
      for (let i = 1; i < runs.length; i++)
        expect(runs[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(runs[i - 1]!.finishedAt!.getTime());
    } finally {
      await queue.removeJobScheduler(SYNC_SCHEDULER_ID);
      await Promise.all(pair.map((w) => w.close()));
      await queue.close();
      redis.disconnect();
    }
  });
});
