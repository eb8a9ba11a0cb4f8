import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ALL_QUEUES, JOBS, QUEUES } from '@cauce/queues';
import { REPO_ROOT, setupTestEnv } from '@cauce/testkit';
import { Worker } from 'bullmq';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_PATH } from '../src/routes/admin/bull-board.ts';
import { sessionCookie, startIngress, TEST_PASSWORD } from './support.ts';

/** An operator with a viewer token opens Bull Board in headless Chromium. */
const env = await setupTestEnv();
const SHOTS = resolve(REPO_ROOT, 'test-output/screenshots/bull-board');
const SECRET_EMAIL = 'maria.secret@example.com';

let ingress: Awaited<ReturnType<typeof startIngress>>;
let base: string;
let browser: Browser;
let failedJobId: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ingress = await startIngress(env);
  base = await ingress.app.listen({ port: 0, host: '127.0.0.1' });
  // The users the browser logs in as.
  await sessionCookie(ingress.app, 'victor-viewer', 'viewer');
  await sessionCookie(ingress.app, 'ana-admin', 'admin');

  // One job that fails for good, carrying contact data, so the board has something to retry/delete.
  const queue = ingress.deps.producer.queue(QUEUES.callbellNotify);
  const job = await queue.add(
    JOBS.callbellSend,
    { orderId: 77, customer: { email: SECRET_EMAIL, phone: '+57 300 765 4321' } },
    { jobId: 'browser-failed-1', attempts: 1 },
  );
  failedJobId = job.id!;
  const worker = new Worker(
    QUEUES.callbellNotify,
    async () => {
      throw new Error(`CallBell refused the message to ${SECRET_EMAIL}`);
    },
    { connection: ingress.deps.redis.duplicate(), prefix: env.prefix },
  );
  await new Promise<void>((done) => worker.once('failed', () => done()));
  await worker.close();
  await ingress.deps.producer
    .queue(QUEUES.biginOrders)
    .add(JOBS.biginCreateOrder, { orderId: 78 }, { delay: 3_600_000 });

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await ingress?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

/** Write actions Bull Board offers on a queue page and a job card (icon buttons are found by their icon). */
const WRITE_ACTIONS = {
  'retry all': (p: Page) => p.getByRole('button', { name: /retry all/i }),
  'clean all': (p: Page) => p.getByRole('button', { name: /clean all/i }),
  'retry job': (p: Page) => p.locator('button:has(svg.lucide-refresh-cw)'),
  'duplicate job': (p: Page) => p.locator('button:has(svg.lucide-files)'),
  'edit job data': (p: Page) => p.locator('button:has(svg.lucide-pencil)'),
  'remove job': (p: Page) => p.locator('button:has(svg.lucide-trash2)'),
};
const offeredActions = async (page: Page) => {
  const offered: string[] = [];
  for (const [name, find] of Object.entries(WRITE_ACTIONS))
    if ((await find(page).count()) > 0) offered.push(name);
  return offered;
};

async function login(page: Page, user: string) {
  await page.goto(`${base}/api/admin/login`);
  await page.fill('#user', user);
  await page.fill('#password', TEST_PASSWORD);
  await page.click('#login-button');
  await page.waitForURL(new RegExp(BOARD_PATH));
}

/** The queue page listing failed jobs, once the failed job's card is shown. */
async function openFailedList(page: Page) {
  await page.goto(`${base}${BOARD_PATH}/queue/${QUEUES.callbellNotify}?status=failed`);
  await page.getByText(failedJobId).first().waitFor({ timeout: 15_000 });
}

async function openJobData(page: Page) {
  await page.goto(`${base}${BOARD_PATH}/queue/${QUEUES.callbellNotify}/${failedJobId}`);
  await page.getByRole('tab', { name: 'Data' }).click();
  await page.getByText('orderId').first().waitFor({ timeout: 15_000 });
}

describe('Bull Board in a browser', () => {
  it('a viewer logs in, sees every queue, opens a job with redacted data, and is offered no write action', async () => {
    const context = await browser.newContext({ locale: 'es-CO', viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const writes: string[] = [];
    page.on('request', (r) => {
      if (!['GET', 'HEAD'].includes(r.method())) writes.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });

    // Not logged in: the board sends the browser to the login page, which refuses a wrong password.
    await page.goto(`${base}${BOARD_PATH}`);
    await page.waitForURL(/\/api\/admin\/login\?next=/);
    await page.fill('#user', 'victor-viewer');
    await page.fill('#password', 'not the password');
    await page.click('#login-button');
    await expect.poll(() => page.textContent('#login-error')).toContain('Usuario o contraseña incorrectos');
    await shot(page, '1-login-refused');

    await page.fill('#password', TEST_PASSWORD);
    await page.click('#login-button');
    await page.waitForURL(new RegExp(BOARD_PATH));
    const session = (await context.cookies()).find((c) => c.name === 'cauce_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    for (const name of ALL_QUEUES) await page.getByText(name, { exact: true }).first().waitFor();
    await shot(page, '2-viewer-overview');

    await openFailedList(page);
    expect(await offeredActions(page)).toEqual([]);
    await shot(page, '3-viewer-failed-jobs');

    await openJobData(page);
    const text = await page.textContent('body');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(SECRET_EMAIL);
    expect(text).not.toContain('765 4321');
    expect(await offeredActions(page)).toEqual([]);
    await shot(page, '4-viewer-job-data');

    // Even called directly from the page, a write is refused by the server.
    const status = await page.evaluate(
      async (url) => (await fetch(url, { method: 'PUT' })).status,
      `${BOARD_PATH}/api/queues/${QUEUES.callbellNotify}/${failedJobId}/retry`,
    );
    expect(status).toBe(403);
    expect(writes).toEqual([
      'POST /api/admin/login',
      'POST /api/admin/login',
      `PUT ${BOARD_PATH}/api/queues/${QUEUES.callbellNotify}/${failedJobId}/retry`,
    ]);
    const job = await ingress.deps.producer.queue(QUEUES.callbellNotify).getJob(failedJobId);
    expect(await job?.getState()).toBe('failed');
    await context.close();
  });

  it('an admin sees the same job as stored, with its write actions', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    await login(page, 'ana-admin');
    await openFailedList(page);
    expect(await offeredActions(page)).toEqual(Object.keys(WRITE_ACTIONS));
    await openJobData(page);
    await page.getByText(SECRET_EMAIL).first().waitFor();
    await shot(page, '5-admin-job-data');
    await context.close();
  });

  it('the OpenAPI UI at /docs renders the admin API', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${base}/docs`);
    await page.getByText('/api/admin/failures/replay', { exact: true }).first().waitFor({ timeout: 15_000 });
    expect(await page.getByText('/api/admin/webhooks/logs', { exact: true }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/6-openapi-docs.png` });
    await page.close();
  });
});
