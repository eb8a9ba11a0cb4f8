import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDb } from '@cauce/db';
import { REPO_ROOT, setupTestEnv } from '@cauce/testkit';
import { startStagingWorker } from '@cauce/worker-staging';
import { type Sim, stagingConfig, startSim } from '@cauce/worker-staging/testing';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startIngress } from '../ingress.ts';

const env = await setupTestEnv();
const SHOTS = resolve(REPO_ROOT, 'test-output/screenshots/sync');

describe('Sync Command Center page (headless Chromium)', () => {
  let sim: Sim;
  let ingress: Awaited<ReturnType<typeof startIngress>>;
  let worker: Awaited<ReturnType<typeof startStagingWorker>>;
  let browser: Browser;
  const db = createDb(env.databaseUrl);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sim = await startSim();
    ingress = await startIngress(env);
    // Slow GHL pages so the counter is seen rising.
    worker = await startStagingWorker(
      stagingConfig(env, sim, { GHL_PAGE_SIZE: '100', GHL_PAGE_DELAY_MS: '40' }),
    );
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await ingress?.close();
    await sim?.close();
    await db.$disconnect();
  });

  it('logs in, syncs GHL with a rising counter, unifies, shows clients and resolves a conflict', async () => {
    await sim.ghlContacts({
      count: 3_000,
      contacts: [
        { id: 'g-bob', email: 'bob@x.com', phone: '+573001110002' },
        { id: 'g-bob-2', email: 'robert@x.com', phone: '+573001110002' },
      ],
    });
    const page = await browser.newPage({ locale: 'es-CO', viewport: { width: 1280, height: 900 } });
    // Not logged in: the page sends the browser to the login form, which refuses a wrong password.
    await page.goto(`${ingress.base}/admin/sync`);
    await page.waitForURL(/\/api\/admin\/login\?next=/);
    await page.fill('#user', 'admin');
    await page.fill('#password', 'not the password');
    await page.click('#login-button');
    await expect.poll(() => page.textContent('#login-error')).toContain('Usuario o contraseña incorrectos');

    await page.fill('#password', ADMIN_PASSWORD);
    await page.click('#login-button');
    await page.waitForURL(/\/admin\/sync$/);
    await expect.poll(() => page.textContent('#who')).toBe('admin (admin)');
    await page.screenshot({ path: `${SHOTS}/1-logged-in.png`, fullPage: true });

    await page.click('#sync-ghl');
    // The raw-row counter rises while the run is under way…
    const readRaw = async () => Number(await page.textContent('#raw-ghl'));
    await expect.poll(readRaw, { timeout: 20_000 }).toBeGreaterThan(0);
    const mid = await readRaw();
    expect(mid).toBeLessThan(3_002);
    await page.screenshot({ path: `${SHOTS}/2-sync-running.png`, fullPage: true });
    await expect.poll(readRaw, { timeout: 30_000 }).toBe(3_002);
    await expect.poll(() => page.textContent('#status-ghl'), { timeout: 10_000 }).toBe('succeeded');
    await expect.poll(() => page.textContent('#pending-ghl_contacts_raw')).toBe('3002');

    await page.click('#unify-all');
    // bob and robert share a phone but not an email: two clients and a conflict for review.
    await expect.poll(() => page.textContent('#clients-count'), { timeout: 30_000 }).toBe('3002');
    await expect.poll(() => page.textContent('#pending-ghl_contacts_raw')).toBe('0');
    await expect.poll(() => page.locator('tr.conflict').count()).toBe(1);
    const row = await page.textContent('tr.conflict');
    expect(row).toContain('bob@x.com (ghl:g-bob)');
    expect(row).toContain('robert@x.com (ghl:g-bob-2)');
    await page.screenshot({ path: `${SHOTS}/3-unified-with-conflict.png`, fullPage: true });

    // "Use incoming": robert@x.com belongs to the other client, so the page offers the merge.
    await page.click('tr.conflict >> text=Use incoming');
    await page.click('tr.conflict button.merge');
    await expect.poll(() => page.textContent('#clients-count'), { timeout: 30_000 }).toBe('3001');
    await expect.poll(() => page.textContent('#identity-result')).toContain('Merged');

    await page.click('tr.conflict >> text=Keep existing');
    await expect.poll(() => page.locator('tr.conflict').count()).toBe(0);
    await expect.poll(() => page.textContent('#conflicts-count')).toBe('0');
    expect(await db.mergeConflict.findFirst()).toMatchObject({ status: 'resolved', choice: 'existing' });
    await page.screenshot({ path: `${SHOTS}/4-conflict-resolved.png`, fullPage: true });
  });
});
