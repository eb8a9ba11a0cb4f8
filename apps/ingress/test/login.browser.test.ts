import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureSettingsFile, parseConfig, withLocalSettings } from '@cauce/runtime';
import { REPO_ROOT, setupTestEnv } from '@cauce/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIngress } from '../src/app.ts';
import { ingressEnv } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { AUTH_COOKIE } from '../src/plugins/auth.ts';
import { BOARD_PATH } from '../src/routes/admin/bull-board.ts';

/**
 * Issue 19's "done when": in headless Chromium an operator logs in with the generated admin
 * password (the local settings file's CAUCE_ADMIN_PASSWORD) through the form, and that one
 * session opens Bull Board, the Sync Command Center and the live event stream, each showing who
 * is logged in. The ingress is stopped and started again on the same database, Redis and
 * settings: the session still works. After logout every page sends the browser to the login.
 */
const env = await setupTestEnv();
const SHOTS = resolve(REPO_ROOT, 'test-output/screenshots/login');
const dir = mkdtempSync(join(tmpdir(), 'cauce-login-'));
const settingsEnv = { ...env.env, CAUCE_SETTINGS_FILE: join(dir, 'local.env') };
let browser: Browser;
let port = 0;
let base = '';
let stack: { close(): Promise<void>; deps: Awaited<ReturnType<typeof createDeps>> } | undefined;

/** The ingress as the stack starts it: its variables from the settings file, on one fixed port. */
async function startStackIngress() {
  const config = parseConfig(ingressEnv, withLocalSettings(settingsEnv));
  const deps = await createDeps(config);
  const app = await buildIngress(deps);
  base = await app.listen({ port, host: '127.0.0.1' });
  await app.firstAdmin;
  port = Number(new URL(base).port);
  stack = {
    deps,
    async close() {
      await app.close();
      await deps.close();
    },
  };
}

let password = '';
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // What `npm run stack` does on a first run: generate the secrets, the admin password among them.
  const settings = ensureSettingsFile(settingsEnv);
  expect(settings.generated).toContain('CAUCE_ADMIN_PASSWORD');
  password = settings.values.CAUCE_ADMIN_PASSWORD!;
  await startStackIngress();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Bull Board's user menu (the last header button) lists who is logged in, then the logout link. */
async function boardUserMenu(page: Page) {
  await page.locator('header button').last().click();
  const items = page.getByRole('menuitem');
  await items.first().waitFor({ timeout: 15_000 });
  const texts = await items.allTextContents();
  await page.keyboard.press('Escape');
  return texts;
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
const onLogin = (page: Page) => page.waitForURL(/\/api\/admin\/login(\?|$)/);

/** Opens the stock SSE stream from the page (EventSource, cookie only): 'open' or 'error'. */
const openStream = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<string>((done) => {
        const es = new EventSource('/api/stock/events');
        es.onopen = () => {
          es.close();
          done('open');
        };
        es.onerror = () => {
          es.close();
          done('error');
        };
      }),
  );

describe('one login for people (headless Chromium)', () => {
  it('the login form follows the browser language: Spanish first, English when preferred', async () => {
    for (const [locale, heading] of [
      ['es-CO', 'Inicia sesión con tu usuario y contraseña.'],
      ['en-US', 'Log in with your user name and password.'],
    ] as const) {
      const context = await browser.newContext({ locale });
      const page = await context.newPage();
      await page.goto(`${base}/api/admin/login`);
      expect(await page.textContent('main')).toContain(heading);
      await context.close();
    }
  });

  it('logs in with the generated password; one session serves Bull Board, the Sync page and SSE, across a restart; logout ends it', async () => {
    const context = await browser.newContext({ locale: 'es-CO', viewport: { width: 1300, height: 900 } });
    const page = await context.newPage();

    await page.goto(`${base}${BOARD_PATH}`);
    await onLogin(page);
    await page.fill('#user', 'admin');
    await page.fill('#password', 'not the password');
    await page.click('#login-button');
    await expect.poll(() => page.textContent('#login-error')).toContain('Usuario o contraseña incorrectos');
    await page.fill('#password', password);
    await shot(page, '1-login');
    await page.click('#login-button');
    await page.waitForURL(new RegExp(`${BOARD_PATH}$`));
    await page.getByText('beds24-sync', { exact: true }).first().waitFor({ timeout: 15_000 });
    expect(await boardUserMenu(page)).toEqual(['admin (admin)', 'API docs', 'Cerrar sesión / Log out']);
    await page.locator('header button').last().click();
    await shot(page, '2-bull-board');
    await page.keyboard.press('Escape');
    const [session] = (await context.cookies()).filter((c) => c.name === AUTH_COOKIE);
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    await page.goto(`${base}/admin/sync`);
    await expect.poll(() => page.locator('#who[data-role="admin"]').textContent()).toContain('admin');
    await expect.poll(() => page.textContent('#clients-count')).toBe('0');
    expect(await openStream(page)).toBe('open');
    await shot(page, '3-sync');

    // Stop the ingress and start it again on the same database, Redis and settings file.
    await stack!.close();
    stack = undefined;
    await startStackIngress();
    await page.reload();
    await expect.poll(() => page.locator('#who[data-role="admin"]').textContent()).toContain('admin');
    expect(await openStream(page)).toBe('open');
    await page.goto(`${base}${BOARD_PATH}`);
    expect(await boardUserMenu(page)).toContain('admin (admin)');
    expect(page.url()).toBe(`${base}${BOARD_PATH}`);

    // Log out from the Sync page: back to the login, and every page sends the browser there.
    await page.goto(`${base}/admin/sync`);
    await page.click('#logout');
    await onLogin(page);
    await shot(page, '4-logged-out');
    expect((await context.cookies()).filter((c) => c.name === AUTH_COOKIE)).toEqual([]);
    for (const path of ['/admin/sync', BOARD_PATH]) {
      await page.goto(`${base}${path}`);
      await onLogin(page);
      expect(new URL(page.url()).searchParams.get('next'), path).toBe(path);
    }
    expect(await openStream(page)).toBe('error');
    // The old cookie value, replayed, is refused: the session ended on the server.
    const replay = await fetch(`${base}/api/admin/me`, {
      headers: { cookie: `${AUTH_COOKIE}=${session!.value}` },
    });
    expect(replay.status).toBe(401);
    await context.close();
  });
});
