import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupTestEnv, waitFor } from '@cauce/testkit';
import { startStagingWorker } from '@cauce/worker-staging';
import { type Sim, stagingConfig, startSim } from '@cauce/worker-staging/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleStack, startConsoleStack } from './harness.ts';

/**
 * The Sync Command Center in headless Chromium against the ingress, worker-staging and
 * provider-sim's GoHighLevel: the admin syncs GHL, unifies, resolves the conflict it leaves (the
 * incoming e-mail belongs to another client: the page offers the merge), then imports a CSV
 * written by a spreadsheet set to Spanish (`;`, Spanish headers, one column mapped by hand) and
 * follows it to its row errors. The viewer sees the same figures and no write control.
 */
const env = await setupTestEnv();
let stack: ConsoleStack<Sim>;

beforeAll(async () => {
  stack = await startConsoleStack(env, {
    startSim,
    workers: async ({ env, sim }) => [
      await startStagingWorker(stagingConfig(env, sim, { GHL_PAGE_SIZE: '100' })),
    ],
  });
});
afterAll(async () => {
  await stack?.finish();
});

const count = (page: Page, id: string) => page.locator(`#${id}`).getAttribute('data-count').then(Number);
const status = (page: Page, id: string) => page.locator(`#${id}`).getAttribute('data-status');

/** Five contacts as a spreadsheet in es-CO saves them: `;`, quoted names, local phone numbers. */
const CSV = [
  'Nombre;Correo electrónico;Móvil;Ciudad',
  '"Rosa Díaz";rosa@correo.example;300 111 2233;Medellín',
  '"Pedro; el del taller";;3159998877;Cali',
  'Lucía;no-es-un-correo;;Bogotá',
  'Sin datos;;;Pasto',
  'Ana;ana@correo.example;+57 301 555 0101;Bogotá',
].join('\r\n');

describe('Sync Command Center page', () => {
  it('admin: sync GHL, unify, resolve a conflict through a merge, import a CSV with its mapping', async () => {
    await stack.sim.ghlContacts({
      count: 1_500,
      contacts: [
        { id: 'g-bob', email: 'bob@x.com', phone: '+573001110002' },
        { id: 'g-bob-2', email: 'robert@x.com', phone: '+573001110002' },
      ],
    });
    const admin = await stack.as('admin');
    await admin.open('/admin/sync');
    const page = admin.page;
    // Nothing yet: each empty state says what to do.
    await page.locator('#conflicts-empty').waitFor();
    await page.locator('#csv-runs-empty').waitFor();
    expect(await status(page, 'status-ghl')).toBe('never');
    expect(await page.textContent('#sources')).toContain('GoHighLevel · contactos');

    await page.click('#sync-ghl');
    await page.locator('#sync-notice', { hasText: 'Sincronización en cola' }).waitFor();
    await expect.poll(() => status(page, 'status-ghl'), { timeout: 30_000 }).toBe('succeeded');
    expect(await count(page, 'raw-ghl')).toBe(1_502);
    await expect.poll(() => count(page, 'pending-ghl_contacts_raw')).toBe(1_502);
    expect(await page.textContent('#pending')).toContain('Contactos de GoHighLevel');

    await page.click('#unify-all');
    // bob and robert share a phone but not an e-mail: two clients and a conflict for review.
    await expect.poll(() => count(page, 'clients-count'), { timeout: 30_000 }).toBe(1_502);
    await expect.poll(() => status(page, 'unify-status')).toBe('succeeded');
    expect(await count(page, 'pending-ghl_contacts_raw')).toBe(0);
    const conflict = page.locator('tr.conflict');
    await expect.poll(() => conflict.count()).toBe(1);
    expect(await conflict.textContent()).toContain('bob@x.com (ghl:g-bob)');
    expect(await conflict.textContent()).toContain('robert@x.com (ghl:g-bob-2)');
    expect(await conflict.textContent()).toContain('Correo');

    // "Use incoming": robert@x.com is the other client's, so the page offers to merge the two.
    await conflict.locator('button.take').click();
    await page.locator('#sync-notice', { hasText: 'si son la misma persona' }).waitFor();
    await conflict.locator('button.merge').click();
    await conflict.locator('button.merge').click(); // a merge asks for a second press
    await expect.poll(() => count(page, 'clients-count'), { timeout: 30_000 }).toBe(1_501);
    await conflict.locator('button.keep').click();
    await expect.poll(() => conflict.count()).toBe(0);
    await expect.poll(() => count(page, 'conflicts-count')).toBe(0);
    expect(await stack.db.mergeConflict.findFirst()).toMatchObject({
      status: 'resolved',
      choice: 'existing',
    });

    // CSV: separator and two columns guessed, the phone column ("Móvil") mapped by hand.
    const file = join(mkdtempSync(join(tmpdir(), 'cauce-csv-')), 'clientes-feria.csv');
    writeFileSync(file, `\uFEFF${CSV}\r\n`);
    await page.setInputFiles('#csv-file', file);
    await page.locator('#csv-mapping').waitFor();
    expect(await page.inputValue('#csv-delimiter')).toBe(';');
    expect(await page.inputValue('#map-email')).toBe('Correo electrónico');
    expect(await page.inputValue('#map-name')).toBe('Nombre');
    expect(await page.inputValue('#map-phone')).toBe('');
    expect(await page.locator('#csv-preview tbody tr').count()).toBe(5);
    expect(await page.textContent('#csv-preview')).toContain('Pedro; el del taller');
    await page.selectOption('#map-email', '');
    await page.locator('#csv-missing').waitFor();
    expect(await page.isDisabled('#csv-upload')).toBe(true);
    await page.selectOption('#map-email', 'Correo electrónico');
    await page.selectOption('#map-phone', 'Móvil');
    await page.click('#csv-upload');
    await page.locator('#csv-notice', { hasText: 'está en cola' }).waitFor();
    expect(await page.getAttribute('#csv-upload-progress', 'data-sent')).toBe(
      await page.getAttribute('#csv-upload-progress', 'data-total'),
    );

    const run = page.locator('#csv-runs tr.csv-run').first();
    await expect
      .poll(() => run.locator('[data-status]').getAttribute('data-status'), { timeout: 30_000 })
      .toBe('succeeded');
    const rows = await waitFor(async () => {
      const r = await stack.db.csvImportRaw.findMany({ orderBy: { rowNumber: 'asc' } });
      return r.length === 3 ? r : null;
    });
    expect(rows.map((r) => [r.rowNumber, r.name, r.email, r.phoneE164])).toEqual([
      [1, 'Rosa Díaz', 'rosa@correo.example', '+573001112233'],
      [2, 'Pedro; el del taller', null, '+573159998877'],
      [5, 'Ana', 'ana@correo.example', '+573015550101'],
    ]);
    expect(await run.textContent()).toContain('clientes-feria.csv');
    expect(await run.textContent()).toContain('5 filas leídas · 3 guardadas · 3 errores');
    await run.locator('button.show-errors').click();
    expect(await run.locator('.row-errors').textContent()).toContain(
      'Fila 3: invalid email «no-es-un-correo»',
    );
    expect(await run.locator('.row-errors').textContent()).toContain('Fila 4: no usable email or phone');
    await expect.poll(() => count(page, 'pending-csv_imports_raw')).toBe(3);
    await stack.shot(admin, 'sync');
  });

  it('viewer: the same figures, no write control, and the server refuses the writes', async () => {
    const viewer = await stack.as('viewer');
    await viewer.open('/admin/sync');
    const page = viewer.page;
    await expect.poll(() => count(page, 'clients-count')).toBe(1_501);
    const run = page.locator('#csv-runs tr.csv-run').first();
    await run.locator('button.show-errors').click();
    // The refused value is contact data: masked for a viewer like every other one.
    expect(await run.locator('.row-errors').textContent()).toContain('Fila 3: invalid email «[redacted]»');
    expect(await run.textContent()).not.toContain('no-es-un-correo');
    for (const control of ['#sync-ghl', '#sync-all', '#unify-all', '#csv-file', '#csv-upload'])
      expect(await page.locator(control).count(), control).toBe(0);
    expect((await stack.api('POST', '/api/sync/ghl', undefined, stack.viewerToken)).status).toBe(403);
    expect((await stack.api('POST', '/api/sync/unify', undefined, stack.viewerToken)).status).toBe(403);
    const form = new FormData();
    form.append('file', new Blob(['email\na@b.co\n']), 'x.csv');
    const csv = await fetch(`${stack.base}/api/sync/csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.viewerToken}` },
      body: form,
    });
    expect(csv.status).toBe(403);
    expect(await stack.db.csvUpload.count()).toBe(1);
    await stack.shot(viewer, 'sync');
  });
});
