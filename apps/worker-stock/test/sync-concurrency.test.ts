import { createDb } from '@cauce/db';
import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StockWorker, startStockWorker } from '../src/app.ts';
import { runScheduledSync } from '../src/sync.ts';
import { type Sim, startSim, stockConfig } from './support.ts';

/**
 * SIIGO's product pages are numbered, so the sync requests several at once (SIIGO_SYNC_CONCURRENCY)
 * and writes them in order. Against provider-sim enforcing a small limit, the company's budget
 * keeps those requests inside it: no 429, every page fetched once, every product stored.
 */
const env = await setupTestEnv();
const db = createDb(env.databaseUrl);
const LIMIT = { route: '^\\S+ /siigo/', limit: 4, windowMs: 1_000 };
const PRODUCTS = 120;
const PAGE_SIZE = 10;
let sim: Sim;
let worker: StockWorker;

beforeAll(async () => {
  sim = await startSim();
  await sim.seed(PRODUCTS);
  await sim.call('PUT', '/__sim/limits', { siigo: LIMIT });
  // Each page takes 600 ms to answer: one request at a time could never put 4 in one window.
  await sim.faults([{ route: '^GET /siigo/v1/products$', latencyMs: 600 }]);
  worker = await startStockWorker(
    stockConfig(env, sim, {
      SIIGO_BUDGET_MAX: String(LIMIT.limit),
      SIIGO_BUDGET_WINDOW_MS: String(LIMIT.windowMs),
      SIIGO_PAGE_SIZE: String(PAGE_SIZE),
      SIIGO_SYNC_CONCURRENCY: '4',
    }),
  );
});
afterAll(async () => {
  await worker?.close();
  await sim?.close();
  await db.$disconnect();
});

describe('SIIGO stock sync: pages side by side within the budget', () => {
  it('requests several pages at once, never past the limit, each page once', async () => {
    const res = await runScheduledSync(worker.stock!);
    expect(res.outcome).toBe('succeeded');
    expect(res.outcome === 'succeeded' && res.counters.pages).toBe(PRODUCTS / PAGE_SIZE);
    expect(await db.product.count()).toBe(PRODUCTS);
    expect((await sim.calls())['GET /siigo/v1/products']).toBe(PRODUCTS / PAGE_SIZE);

    const { stats } = await sim.call('GET', '/__sim/limits');
    expect(stats.siigo.rejected).toBe(0);
    // The window was filled (which only concurrent requests can do at 600 ms a page), never passed.
    expect(stats.siigo.peakInWindow).toBe(LIMIT.limit);
  });
});
