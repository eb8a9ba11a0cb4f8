import { setupTestEnv } from '@cauce/testkit';
import { type StockWorker, startStockWorker } from '@cauce/worker-stock/app';
import { runScheduledSync } from '@cauce/worker-stock/sync';
import { type Sim, siigoSimEnv, startSim, stockConfig } from '@cauce/worker-stock/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleStack, startConsoleStack } from './harness.ts';

/**
 * The overview updates by itself: a worker that starts turns from "sin señal" to "activo", a sync
 * run appears with its clear name and last success, and a SIIGO webhook (provider-sim, over HTTP
 * to the ingress) shows in the per-provider webhook chart, without a reload. As admin and viewer.
 */
const env = await setupTestEnv();
const SIIGO_WEBHOOK_TOKEN = 'overview-siigo-path-token-0123456789abc';
let stack: ConsoleStack<Sim>;
let worker: StockWorker | undefined;

beforeAll(async () => {
  stack = await startConsoleStack(env, {
    startSim,
    ingress: (sim) => ({ ...siigoSimEnv(sim), SIIGO_WEBHOOK_TOKEN }),
  });
  await stack.sim.seed(5);
});
afterAll(async () => {
  await worker?.close();
  await stack?.finish();
});

describe('overview page (headless Chromium)', () => {
  it('admin: workers, syncs and webhooks appear live as they happen', async () => {
    const admin = await stack.as('admin');
    await admin.open('/admin/');
    const page = admin.page;
    await page.locator('#worker-worker-stock[data-up="false"]').waitFor();
    await page.locator('#webhooks-empty').waitFor();
    await page.locator('#syncs-empty').waitFor();
    expect(await page.textContent('#recent-failures-empty')).toContain('No hay nada que hacer');

    worker = await startStockWorker(stockConfig(env, stack.sim));
    await page.locator('#worker-worker-stock[data-up="true"]').waitFor();
    expect(await page.textContent('#worker-worker-stock')).toContain('activo');

    expect((await runScheduledSync(worker.stock!)).outcome).toBe('succeeded');
    const run = await stack.db.syncRun.findFirstOrThrow({
      where: { source: 'siigo_stock', status: 'succeeded' },
    });
    await page.locator('#syncs >> text=Inventario SIIGO').waitFor();
    expect(await page.textContent('#syncs')).toContain('terminado');

    const [product] = await stack.sim.products();
    await stack.sim.emit(`${stack.base}/api/webhooks/siigo/${SIIGO_WEBHOOK_TOKEN}`, product!.id);
    expect(await stack.db.webhookEvent.count({ where: { provider: 'siigo' } })).toBe(1);
    await expect.poll(() => page.locator('#webhooks-siigo').textContent(), { timeout: 20_000 }).toBe('1');
    await page.locator('#webhooks-chart canvas').waitFor();
    expect(run.finishedAt).not.toBeNull();
    await stack.shot(admin, 'overview');
  });

  it('viewer: the same overview, read-only', async () => {
    const viewer = await stack.as('viewer');
    await viewer.open('/admin/');
    await viewer.page.locator('#worker-worker-stock[data-up="true"]').waitFor();
    await expect.poll(() => viewer.page.locator('#webhooks-siigo').textContent()).toBe('1');
    expect(await viewer.page.locator('main button').count()).toBe(0);
    await stack.shot(viewer, 'overview');
  });
});
