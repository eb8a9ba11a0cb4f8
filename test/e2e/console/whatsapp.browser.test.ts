import { setupTestEnv, waitFor } from '@cauce/testkit';
import { startWhatsappWorker } from '@cauce/worker-whatsapp/app';
import { connection, connectionsDir, whatsappConfig } from '@cauce/worker-whatsapp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleStack, startConsoleStack } from './harness.ts';

/**
 * The WhatsApp numbers page in headless Chromium against the running ingress and worker-whatsapp:
 * an admin syncs the registry from the connections file, runs a dry run, creates a queue and
 * assigns a number to it (checked in crm_whatsapp_numbers); a viewer sees the registry read-only
 * with the phone numbers masked.
 */
const env = await setupTestEnv();
const files = await connectionsDir();
let stack: ConsoleStack;

const ventas = connection('506540352249001', '+57 316 111 1111', 'Ventas Bogotá');
const soporte = connection('506540352249002', '+57 316 222 2222', 'Soporte');

beforeAll(async () => {
  await files.write([ventas, soporte]);
  stack = await startConsoleStack(env, {
    workers: async () => [
      await startWhatsappWorker(whatsappConfig(env, files.file, { WHATSAPP_WATCH: 'false' })),
    ],
  });
});
afterAll(async () => {
  await stack?.finish();
});

describe('WhatsApp numbers page', () => {
  it('an admin syncs the registry, runs a dry run, creates a queue and assigns a number to it', async () => {
    const admin = await stack.as('admin');
    await admin.open('/admin/whatsapp');
    const page = admin.page;
    // Nothing synced yet: the empty states say what to do.
    await page.locator('#whatsapp-numbers-empty').waitFor();
    await page.locator('#whatsapp-queues-empty').waitFor();

    await page.click('#whatsapp-sync');
    await page.click('#whatsapp-sync'); // the confirmation
    await page.locator('#whatsapp-syncs tr.sync-completed').first().waitFor();
    await page.locator(`#whatsapp-numbers [data-state="unassigned"]`).nth(1).waitFor();
    expect(await stack.db.crmWhatsappNumber.count()).toBe(2);

    // A dry run with a third number in the file: reported, not applied.
    await files.write([ventas, soporte, connection('506540352249003', '+57 316 333 3333', 'Nuevo')]);
    await page.click('#whatsapp-dry-run');
    await expect
      .poll(() => page.locator('#whatsapp-syncs tr.sync-completed').count(), { timeout: 30_000 })
      .toBe(2);
    expect(await page.textContent('#whatsapp-syncs tbody tr:first-child')).toContain('simulación');
    expect(await page.textContent('#whatsapp-syncs tbody tr:first-child')).toContain('agregados: 1');
    expect(await stack.db.crmWhatsappNumber.count()).toBe(2);

    await page.fill('#queue-name', 'Ventas Bogotá');
    await page.click('#queue-create');
    await page.locator('#whatsapp-queues td', { hasText: 'Ventas Bogotá' }).waitFor();
    const queue = await stack.db.crmQueue.findFirstOrThrow({ where: { name: 'Ventas Bogotá' } });

    await page.selectOption(`select[data-assign="${ventas.phoneNumberId}"]`, String(queue.id));
    await page.locator('#whatsapp-notice', { hasText: 'Cola de Ventas Bogotá asignada.' }).waitFor();
    const row = await waitFor(async () => {
      const n = await stack.db.crmWhatsappNumber.findUniqueOrThrow({
        where: { numberId: ventas.phoneNumberId },
      });
      return n.queueId === queue.id ? n : null;
    });
    expect(row).toMatchObject({ isActive: true, phoneNumber: '+573161111111' });
    await page
      .locator(
        `#whatsapp-numbers tr:has(select[data-assign="${ventas.phoneNumberId}"]) [data-state="active"]`,
      )
      .waitFor();
    expect(await page.textContent('#whatsapp-numbers')).toContain('+573161111111');
    await stack.shot(admin, 'whatsapp');
  });

  it('a viewer sees the registry, queues and reports without write controls, phones masked', async () => {
    const viewer = await stack.as('viewer');
    await viewer.open('/admin/whatsapp');
    const page = viewer.page;
    await page.locator('#whatsapp-numbers [data-state="active"]').waitFor();
    await page.locator('#whatsapp-syncs tr.sync-completed').first().waitFor();
    for (const control of [
      '#queue-create',
      '#queue-name',
      '#whatsapp-sync',
      '#whatsapp-dry-run',
      'select[data-assign]',
    ])
      expect(await page.locator(control).count(), control).toBe(0);
    const table = (await page.textContent('#whatsapp-numbers')) ?? '';
    expect(table).toContain('Ventas Bogotá');
    expect(table).toContain('[redacted]');
    expect(table).not.toContain('+573161111111');
    // The server refuses the write a viewer's page does not offer.
    const refused = await stack.api('POST', '/api/whatsapp/queues', { name: 'X' }, stack.viewerToken);
    expect(refused.status).toBe(403);
    await stack.shot(viewer, 'whatsapp');
  });
});
