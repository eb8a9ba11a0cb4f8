import { setupTestEnv, waitFor } from '@cauce/testkit';
import { startStockWorker } from '@cauce/worker-stock/app';
import { type Sim, siigoSimEnv, startSim, stockConfig } from '@cauce/worker-stock/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleStack, startConsoleStack } from './harness.ts';

/**
 * The Stock page against worker-stock and SIIGO (provider-sim): the admin syncs now and sees the
 * source system's dashboard fill, sets up the SIIGO webhooks, sends a test event and sees it
 * arrive live over the WebSocket and in the product's history. The viewer sees a real SIIGO
 * webhook arrive live, and no write button.
 */
const env = await setupTestEnv();
const SIIGO_WEBHOOK_TOKEN = 'stock-page-siigo-path-token-0123456789ab';
let stack: ConsoleStack<Sim>;

beforeAll(async () => {
  stack = await startConsoleStack(env, {
    startSim,
    ingress: (sim, base) => ({ ...siigoSimEnv(sim), SIIGO_WEBHOOK_TOKEN, WEBHOOK_BASE_URL: base }),
    workers: async ({ env, sim }) => [await startStockWorker(stockConfig(env, sim))],
  });
  await stack.sim.seed(6);
});
afterAll(async () => {
  await stack?.finish();
});

const value = (page: import('playwright-core').Page, id: string) =>
  page.locator(`#${id} .value`).textContent();

describe('stock page (headless Chromium)', () => {
  it('admin: sync now, dashboard, SIIGO subscriptions, a test event live and in the history', async () => {
    const admin = await stack.as('admin');
    await admin.open('/admin/stock');
    const page = admin.page;
    await page.locator('#products-empty').waitFor();
    // The dashboard is its own request: it may answer after the product list.
    await expect.poll(() => value(page, 'stat-total')).toBe('0');
    await page.locator('#live-state[data-connected="true"]').waitFor();

    await page.click('#sync-now');
    await expect.poll(() => value(page, 'stat-total'), { timeout: 30_000 }).toBe('6');
    const run = await stack.db.syncRun.findFirstOrThrow({
      where: { source: 'siigo_stock', status: 'succeeded' },
    });
    expect(run.params).toMatchObject({ trigger: 'manual' });
    expect(await value(page, 'stat-synced')).toBe('6');
    await expect.poll(() => page.locator('#products tr.product').count()).toBe(6);

    await page.locator('#subscriptions-empty').waitFor();
    await page.click('#setup-webhooks');
    await expect.poll(() => page.locator('#subscriptions tr.subscription').count()).toBe(3);
    expect(await stack.db.webhookSubscription.count({ where: { provider: 'siigo', active: true } })).toBe(3);
    await expect.poll(() => value(page, 'stat-configured')).toBe('Sí');

    const [product] = await stack.sim.products();
    await page.fill('#test-product', product!.id);
    await page.fill('#test-stock', '42');
    await page.click('#send-test');
    const row = page.locator('#live-changes tr.live-change', { hasText: product!.name });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('42');
    const stored = await stack.db.product.findUniqueOrThrow({ where: { siigoProductId: product!.id } });
    expect(Number(stored.stock)).toBe(42);
    expect(await stack.db.stockChange.count({ where: { productId: stored.id, source: 'webhook' } })).toBe(1);

    await page.fill('#product-search', product!.name);
    await expect.poll(() => page.locator('#products tr.product').count()).toBe(1);
    await page.click('#products tr.product button.history');
    await page.locator('#history-table tr.change', { hasText: '42' }).waitFor();
    await stack.shot(admin, 'stock');
  });

  it('viewer: a SIIGO webhook shows live; no write button', async () => {
    const viewer = await stack.as('viewer');
    await viewer.open('/admin/stock');
    const page = viewer.page;
    await page.locator('#live-state[data-connected="true"]').waitFor();
    expect(await page.locator('#sync-now, #setup-webhooks, #test-event, #send-test').count()).toBe(0);
    const products = await stack.sim.products();
    const target = products[2]!;
    const { product: changed } = await stack.sim.setStock(target.id, 321);
    await stack.sim.emit(`${stack.base}/api/webhooks/siigo/${SIIGO_WEBHOOK_TOKEN}`, target.id);
    const row = page.locator('#live-changes tr.live-change', { hasText: target.name });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain(String(changed.available_quantity));
    await waitFor(
      async () =>
        Number((await stack.db.product.findUniqueOrThrow({ where: { siigoProductId: target.id } })).stock) ===
        changed.available_quantity,
      { message: 'the webhook applied' },
    );
    await stack.shot(viewer, 'stock');
  });
});
