import { setupTestEnv, waitFor } from '@cauce/testkit';
import { startOrdersWorker } from '@cauce/worker-orders/app';
import { ordersConfig } from '@cauce/worker-orders/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleStack, startConsoleStack } from './harness.ts';

/**
 * The Orders page in headless Chromium against the running ingress, worker-orders and
 * provider-sim's Bigin robot: two orders whose sync failed for good (as worker-orders leaves them
 * after its last attempt: sync_error set, a failed action in actions_log, no job left). An admin
 * retries one from the "with errors" tab; worker-orders syncs it to the simulated Bigin; the page
 * shows it under "recently synced" with its trail. A viewer sees the failed one read-only.
 */
const env = await setupTestEnv();
let stack: ConsoleStack;
let synced: number;
let stillFailed: number;

const text = (s: string | null) => (s ?? '').replace(/\u00a0/g, ' ');

async function failedOrder(db: ConsoleStack['db'], name: string, phone: string) {
  const order = await db.order.create({
    data: {
      sessionId: `console-${name}`,
      customerName: name,
      phone,
      email: `${name.split(' ')[0]!.toLowerCase()}@correo.example`,
      address: 'Calle 10 # 5-20',
      city: 'Medellín',
      department: 'Antioquia',
      pack: 'Pack x2',
      price: '159900',
      status: 'confirmado',
      syncError: 'Bigin robot answered 500',
      lastSyncAt: new Date(Date.now() - 3_600_000),
    },
  });
  await db.actionLog.create({
    data: {
      orderId: order.id,
      actionType: 'bigin_order_failed',
      success: false,
      errorMessage: 'Bigin robot answered 500',
      workflowName: 'bigin-sync',
    },
  });
  return order.id;
}

beforeAll(async () => {
  stack = await startConsoleStack(env, {
    workers: async ({ env, sim }) => [await startOrdersWorker(ordersConfig(env, sim.base))],
  });
  synced = await failedOrder(stack.db, 'Rosa Díaz', '+573151112233');
  stillFailed = await failedOrder(stack.db, 'Pedro Gómez', '+573159998877');
});
afterAll(async () => {
  await stack?.finish();
});

describe('Orders page', () => {
  it('an admin retries a failed order; it is synced to Bigin and shows up as recently synced', async () => {
    const admin = await stack.as('admin');
    await admin.open('/admin/orders');
    const page = admin.page;
    await page.click('#orders-tab-errors');
    const row = page.locator(`#orders-table tr:has([data-open-order="${synced}"])`);
    await row.waitFor();
    expect(text(await row.textContent())).toContain('$ 159.900');
    expect(await row.textContent()).toMatch(/\d{2}\/\d{2}\/\d{4}/);
    expect(await row.locator('[data-state="failed"]').count()).toBe(1);

    await row.locator('button.retry').click();
    await page.locator('#orders-notice', { hasText: `Pedido ${synced}` }).waitFor();
    const order = await waitFor(async () => {
      const o = await stack.db.order.findUniqueOrThrow({ where: { id: synced } });
      return o.syncedToBigin ? o : null;
    });
    expect(order.syncError).toBeNull();
    expect(order.biginOrderId).toBeTruthy();
    const robot = (await stack.sim.call('GET', '/__sim/bigin-robot/state')).orders as unknown[];
    expect(JSON.stringify(robot)).toContain('Rosa Díaz');
    // The other failed order was not touched.
    expect((await stack.db.order.findUniqueOrThrow({ where: { id: stillFailed } })).syncedToBigin).toBe(
      false,
    );

    await page.click('#orders-tab-synced');
    await page.locator(`#orders-table tr:has([data-open-order="${synced}"]) [data-state="synced"]`).waitFor();
    await page.click(`[data-open-order="${synced}"]`);
    await page.locator('#order-trail', { hasText: 'Creado en Bigin' }).waitFor();
    expect(await page.textContent('#order-trail')).toContain('Falló en Bigin');
    await stack.shot(admin, 'orders');
  });

  it('a viewer sees the failed order and its trail read-only, contact data masked', async () => {
    const viewer = await stack.as('viewer');
    await viewer.open('/admin/orders');
    const page = viewer.page;
    await page.click('#orders-tab-errors');
    const row = page.locator(`#orders-table tr:has([data-open-order="${stillFailed}"])`);
    await row.waitFor();
    expect(await page.locator('button.retry').count()).toBe(0);
    expect(await page.locator('#orders-retry-all').count()).toBe(0);
    expect(await row.textContent()).toContain('[redacted]');
    expect(await page.textContent('#orders-table')).not.toContain('3159998877');
    await page.click(`[data-open-order="${stillFailed}"]`);
    await page.locator('#order-trail', { hasText: 'Falló en Bigin' }).waitFor();
    const refused = await stack.api('POST', `/api/orders/${stillFailed}/retry`, undefined, stack.viewerToken);
    expect(refused.status).toBe(403);
    await stack.shot(viewer, 'orders');
  });

  it('an admin retries every failed order at once; the last one reaches Bigin too', async () => {
    const admin = await stack.as('admin');
    await admin.open('/admin/orders');
    const page = admin.page;
    await page.click('#orders-tab-errors');
    await page.locator(`#orders-table tr:has([data-open-order="${stillFailed}"])`).waitFor();
    await page.click('#orders-retry-all');
    await page.click('#orders-retry-all'); // every order at once asks for a second press
    await page.locator('#orders-notice', { hasText: 'en cola para sincronizar' }).waitFor();
    const order = await waitFor(async () => {
      const o = await stack.db.order.findUniqueOrThrow({ where: { id: stillFailed } });
      return o.syncedToBigin ? o : null;
    });
    expect(order.syncError).toBeNull();
    const robot = (await stack.sim.call('GET', '/__sim/bigin-robot/state')).orders as unknown[];
    expect(JSON.stringify(robot)).toContain('Pedro Gómez');
    await page.locator('#orders-table-empty').waitFor();
  });
});
