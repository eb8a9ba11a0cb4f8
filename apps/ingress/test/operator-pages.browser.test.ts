import { QUEUES } from '@cauce/queues';
import { setupTestEnv } from '@cauce/testkit';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORM_PAGE_REFERRER_POLICY } from '../src/plugins/security-headers.ts';
import { BOARD_PATH } from '../src/routes/admin/bull-board.ts';
import { sessionCookie, startIngress, TEST_PASSWORD } from './support.ts';

/**
 * Every operator page in headless Chromium (login, Bull Board, the Sync Command Center, /docs):
 * each request the pages make is intercepted, and one to a host other than loopback fails the
 * test (it is aborted, so nothing leaves even when it would). The pages send the security
 * headers, and the browser reports no Content-Security-Policy violation (the CSP does not break
 * them).
 */
const env = await setupTestEnv();
let ingress: Awaited<ReturnType<typeof startIngress>>;
let base: string;
let browser: Browser;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

beforeAll(async () => {
  ingress = await startIngress(env);
  base = await ingress.app.listen({ port: 0, host: '127.0.0.1' });
  await sessionCookie(ingress.app, 'ana-admin', 'admin'); // creates the user the pages log in as
  await ingress.deps.producer
    .queue(QUEUES.biginOrders)
    .add('bigin-create-order', { orderId: 7 }, { jobId: 'pages-job-1', delay: 3_600_000 });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
  await ingress?.close();
});

/** A browser context that records (and aborts) every outside request, and every CSP violation. */
async function watchedContext() {
  const context = await browser.newContext({ viewport: { width: 1300, height: 900 } });
  const outside: string[] = [];
  const violations: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) && !LOOPBACK.has(url.hostname)) {
      outside.push(url.href);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  const watch = (page: Page) =>
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
    });
  context.on('page', watch);
  return { context, outside, violations };
}

/** The headers every operator page must carry. */
function expectSecurityHeaders(url: string, headers: Record<string, string>) {
  const csp = headers['content-security-policy'] ?? '';
  expect(csp, url).toMatch(/default-src 'self'/);
  expect(csp, url).toMatch(/frame-ancestors 'none'/);
  expect(csp, url).toMatch(/script-src 'self'/);
  expect(csp, url).not.toContain('unsafe-eval');
  expect(csp, url).not.toContain('unsafe-inline');
  expect(csp, url).not.toMatch(/https?:|\*/);
  expect(headers['x-content-type-options'], url).toBe('nosniff');
  // Pages that post forms send their Origin to this server (FORM_PAGE_REFERRER_POLICY); no page
  // sends a referrer to another site.
  expect(headers['referrer-policy'], url).toBe(
    /^\/(api\/admin\/login|admin\/sync)/.test(url) ? FORM_PAGE_REFERRER_POLICY : 'no-referrer',
  );
  expect(headers['x-frame-options'], url).toBe('DENY');
}

async function open(page: Page, path: string) {
  const res = await page.goto(`${base}${path}`);
  expect(res, path).not.toBeNull();
  expectSecurityHeaders(path, await res!.allHeaders());
  return res!;
}

async function done(w: { context: BrowserContext; outside: string[]; violations: string[] }) {
  await w.context.close();
  expect(w.outside, 'requests to hosts other than loopback').toEqual([]);
  expect(w.violations, 'Content-Security-Policy violations').toEqual([]);
}

describe('operator pages', () => {
  it('login page and Bull Board (overview, queue, job) stay on this server', async () => {
    const w = await watchedContext();
    const page = await w.context.newPage();
    await open(page, '/api/admin/login');
    await page.fill('#user', 'ana-admin');
    await page.fill('#password', TEST_PASSWORD);
    await page.click('#login-button');
    await page.waitForURL(new RegExp(BOARD_PATH));
    await page.getByText(QUEUES.biginOrders, { exact: true }).first().waitFor({ timeout: 15_000 });
    await open(page, `${BOARD_PATH}/queue/${QUEUES.biginOrders}?status=delayed`);
    await page.getByText('pages-job-1').first().waitFor({ timeout: 15_000 });
    await open(page, `${BOARD_PATH}/queue/${QUEUES.biginOrders}/pages-job-1`);
    await page.getByText('orderId').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('link[href*="fonts.googleapis.com"]').count()).toBe(0);
    await done(w);
  });

  it('the Sync Command Center logs in and refreshes through its API only', async () => {
    const w = await watchedContext();
    const page = await w.context.newPage();
    await page.goto(`${base}/admin/sync`);
    await page.waitForURL(/\/api\/admin\/login\?next=/);
    await page.fill('#user', 'ana-admin');
    await page.fill('#password', TEST_PASSWORD);
    await page.click('#login-button');
    await page.waitForURL(/\/admin\/sync$/);
    await open(page, '/admin/sync');
    await expect.poll(() => page.locator('#who[data-role="admin"]').textContent()).toContain('ana-admin');
    await expect.poll(() => page.textContent('#clients-count')).toBe('0');
    await done(w);
  });

  it('the OpenAPI UI at /docs renders from local assets', async () => {
    const w = await watchedContext();
    const page = await w.context.newPage();
    await open(page, '/docs');
    await page.getByText('/api/admin/failures/replay', { exact: true }).first().waitFor({ timeout: 15_000 });
    await done(w);
  });

  it('API answers carry the headers too; provider webhooks skip them (not read by browsers)', async () => {
    const api = await ingress.app.inject({
      method: 'GET',
      url: '/api/admin/failures',
      headers: { authorization: `Bearer ${ingress.viewer}` },
    });
    expectSecurityHeaders('/api/admin/failures', api.headers as Record<string, string>);
    const hook = await ingress.app.inject({ method: 'POST', url: '/api/webhooks/beds24', payload: {} });
    expect(hook.headers['content-security-policy']).toBeUndefined();
  });
});
