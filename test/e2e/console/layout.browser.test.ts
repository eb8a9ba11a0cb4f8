import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleStack, startConsoleStack } from './harness.ts';

/**
 * The console's frame in headless Chromium: the login guards /admin (and comes back to the page
 * asked for), the menu reaches every page, the signed-in user and role show, the language switch
 * persists, the Bull Board link opens the board with the same session, and logout ends it.
 */
const env = await setupTestEnv();
let stack: ConsoleStack;

beforeAll(async () => {
  stack = await startConsoleStack(env);
});
afterAll(async () => {
  await stack?.finish();
});

describe('console layout (headless Chromium)', () => {
  it('a deep link goes through the login and back; the menu reaches every page', async () => {
    const context = await stack.browser.newContext({ locale: 'es-CO' });
    const page = await context.newPage();
    await page.goto(`${stack.base}/admin/orders`);
    await page.waitForURL(/\/api\/admin\/login\?next=%2Fadmin%2Forders$/);
    await context.close();

    const admin = await stack.as('admin');
    await admin.open('/admin/');
    expect(await admin.page.textContent('#who')).toBe('Sesión de ana-admin · administrador');
    expect(await admin.page.locator('#read-only').count()).toBe(0);
    for (const [label, id] of [
      ['Pedidos', 'orders'],
      ['Reservas', 'bookings'],
      ['Inventario', 'stock'],
      ['Clientes', 'clients'],
      ['Números WhatsApp', 'whatsapp'],
      ['Fallos y webhooks', 'failures'],
      ['Centro de sincronización', 'sync'],
      ['Resumen', 'overview'],
    ] as const) {
      await admin.page.click(`nav >> text="${label}"`);
      await admin.page.locator(`#page-${id}`).waitFor();
      expect(await admin.page.textContent(`#page-${id} h1`)).toBe(label);
    }
    await admin.open('/admin/no-such-page');
    await admin.page.locator('#page-not-found').waitFor();
    await stack.shot(admin, 'layout');
  });

  it('switches to English and keeps the choice after a reload', async () => {
    const admin = await stack.as('admin');
    await admin.open('/admin/');
    await admin.page.selectOption('#lang', 'en');
    await expect.poll(() => admin.page.textContent('#who')).toBe('Signed in as ana-admin · admin');
    await admin.page.reload();
    await admin.page.locator('#who').waitFor();
    expect(await admin.page.textContent('nav')).toContain('Dead letters & webhooks');
    await admin.page.selectOption('#lang', 'es');
    await expect.poll(() => admin.page.textContent('#who')).toBe('Sesión de ana-admin · administrador');
  });

  it('a viewer sees the read-only notice; the Bull Board link opens the board on the same session', async () => {
    const viewer = await stack.as('viewer');
    await viewer.open('/admin/');
    expect(await viewer.page.textContent('#who')).toBe('Sesión de victor-viewer · solo lectura');
    await viewer.page.locator('#read-only').waitFor();
    await stack.shot(viewer, 'layout');
    await viewer.page.click('#nav-bull-board');
    await viewer.page.waitForURL(/\/api\/admin\/queues\/ui/);
    await viewer.page.locator('header button').last().waitFor();
    expect(viewer.page.url()).not.toContain('/login');
  });

  it('logout ends the session: the console sends the browser to the login again', async () => {
    const context = await stack.browser.newContext({ locale: 'es-CO' });
    const page = await context.newPage();
    await page.goto(`${stack.base}/admin/`);
    await page.fill('#user', 'ana-admin');
    await page.fill('#password', 'console admin password 1');
    await page.click('#login-button');
    await page.locator('#who').waitFor();
    await page.click('#logout');
    await page.waitForURL(/\/api\/admin\/login$/);
    await page.goto(`${stack.base}/admin/stock`);
    await page.waitForURL(/\/api\/admin\/login\?next=/);
    await context.close();
  });
});
