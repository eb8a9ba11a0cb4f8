import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleStack, startConsoleStack } from './harness.ts';

/**
 * The Clients page in headless Chromium against the running ingress: two unified clients that
 * are one person (a Stripe customer and a GoHighLevel contact, as unify left them). An admin
 * finds both, merges them from the page and sees the survivor's sources, payments and the merge
 * decision; PostgreSQL has the records moved, the other client retired into it and the decision
 * recorded. A viewer reads the client without merge, split or resolve controls, contact data masked.
 */
const env = await setupTestEnv();
let stack: ConsoleStack;
let ana: bigint;
let other: bigint;

const text = (s: string | null) => (s ?? '').replace(/\u00a0/g, ' ');

beforeAll(async () => {
  stack = await startConsoleStack(env);
  const db = stack.db;
  ana = (
    await db.client.create({
      data: { name: 'Ana Torres', email: 'ana.torres@correo.co', stripeCustomerId: 'cus_console1' },
    })
  ).id;
  other = (
    await db.client.create({
      data: {
        name: 'Ana T.',
        email: 'anat@correo.co',
        phoneE164: '+573001112233',
        ghlContactId: 'ghl-console1',
      },
    })
  ).id;
  await db.stripeCustomerRaw.create({
    data: {
      stripeCustomerId: 'cus_console1',
      email: 'ana.torres@correo.co',
      name: 'Ana Torres',
      payload: { id: 'cus_console1', email: 'ana.torres@correo.co' },
      clientId: ana,
      mergedAt: new Date(),
    },
  });
  await db.ghlContactRaw.create({
    data: {
      ghlContactId: 'ghl-console1',
      email: 'anat@correo.co',
      phoneE164: '+573001112233',
      name: 'Ana T.',
      payload: { id: 'ghl-console1', email: 'anat@correo.co' },
      clientId: other,
      mergedAt: new Date(),
    },
  });
  await db.transaction.create({
    data: {
      source: 'stripe',
      kind: 'charge',
      sourceId: 'ch_console1',
      customerRef: 'cus_console1',
      amount: '159900',
      currency: 'cop',
      status: 'succeeded',
      sourceCreatedAt: new Date('2026-11-15T15:00:00Z'),
      payload: { id: 'ch_console1' },
      clientId: ana,
    },
  });
  await db.mergeConflict.create({
    data: {
      clientId: ana,
      field: 'email',
      existingValue: 'ana.torres@correo.co',
      existingSource: 'stripe:cus_console1',
      incomingValue: 'ana.t@otro.co',
      incomingSource: 'manychat',
      incomingSourceId: 'sub-console1',
    },
  });
});
afterAll(async () => {
  await stack?.finish();
});

describe('Clients page', () => {
  it('an admin finds two clients that are one person and merges them from the page', async () => {
    const admin = await stack.as('admin');
    await admin.open('/admin/clients');
    const page = admin.page;
    await page.fill('#clients-q', 'ana');
    await page.click('#page-clients form button[type="submit"]');
    await page.locator(`[data-pick-client="${other}"]`).waitFor();
    await page.check(`[data-pick-client="${ana}"]`);
    await page.check(`[data-pick-client="${other}"]`);
    await page.click('#merge-into-first');
    await page.click('#merge-into-first'); // the confirmation
    await page.locator('#clients-notice', { hasText: `Cliente ${other} fusionado en ${ana}` }).waitFor();

    const retired = await stack.db.client.findUniqueOrThrow({ where: { id: other } });
    expect(retired.mergedInto).toBe(ana);
    expect(retired.retiredAt).toBeInstanceOf(Date);
    expect(
      (await stack.db.ghlContactRaw.findUniqueOrThrow({ where: { ghlContactId: 'ghl-console1' } })).clientId,
    ).toBe(ana);
    const decision = await stack.db.identityDecision.findFirstOrThrow({ where: { kind: 'merge' } });
    expect(decision).toMatchObject({ clientId: ana, otherClientId: other, actor: 'ana-admin', active: true });

    // The survivor's detail: both records, the payment in pesos, the decision.
    const sources = page.locator('#client-sources');
    await sources.locator('td', { hasText: 'ghl:ghl-console1' }).waitFor();
    expect(await sources.textContent()).toContain('stripe:cus_console1');
    expect(text(await page.textContent('#client-payments'))).toContain('$ 159.900');
    expect(await page.textContent('#client-payments')).toContain('15/11/2026');
    expect(await page.textContent('#client-decisions')).toContain('Fusión');

    // Its open conflict, resolved from the page: the current e-mail stays.
    await page.locator('#client-conflicts button', { hasText: 'Conservar el actual' }).click();
    await page.locator('#client-conflicts .badge', { hasText: 'resuelto' }).waitFor();
    expect(await stack.db.mergeConflict.findFirstOrThrow({ where: { clientId: ana } })).toMatchObject({
      status: 'resolved',
      choice: 'existing',
      resolvedBy: 'ana-admin',
    });
    expect((await stack.db.client.findUniqueOrThrow({ where: { id: ana } })).email).toBe(
      'ana.torres@correo.co',
    );
    // The retired client is gone from the default search.
    await expect.poll(() => page.locator(`[data-open-client="${other}"]`).count()).toBe(0);
    await stack.shot(admin, 'clients');
  });

  it('a viewer reads a client read-only, contact data masked', async () => {
    const viewer = await stack.as('viewer');
    await viewer.open('/admin/clients');
    const page = viewer.page;
    await page.click(`[data-open-client="${ana}"]`);
    await page.locator('#client-sources td', { hasText: 'ghl:ghl-console1' }).waitFor();
    for (const control of [
      '[data-pick-client]',
      '#merge-into-first',
      '#client-sources button',
      '#client-conflicts button',
    ])
      expect(await page.locator(control).count(), control).toBe(0);
    const shown = `${await page.textContent('#clients-table')} ${await page.textContent('#client-detail')}`;
    expect(shown).toContain('[redacted]');
    expect(shown).not.toContain('ana.torres@correo.co');
    expect(shown).not.toContain('3001112233');
    const refused = await stack.api(
      'POST',
      '/api/sync/clients/merge',
      { into: String(ana), from: String(other) },
      stack.viewerToken,
    );
    expect(refused.status).toBe(403);
    await stack.shot(viewer, 'clients');
  });

  it('an admin splits a record back out of the client from the page', async () => {
    const admin = await stack.as('admin');
    await admin.open('/admin/clients');
    const page = admin.page;
    await page.click(`[data-open-client="${ana}"]`);
    const ghlRow = page.locator('#client-sources tr', { hasText: 'ghl:ghl-console1' });
    await ghlRow.locator('button').click();
    await ghlRow.locator('button', { hasText: '¿Seguro?' }).click(); // the confirmation
    await expect
      .poll(() => page.locator('#client-sources td', { hasText: 'ghl:ghl-console1' }).count())
      .toBe(0);
    expect(
      (await stack.db.ghlContactRaw.findUniqueOrThrow({ where: { ghlContactId: 'ghl-console1' } })).clientId,
    ).toBeNull();
    const decisions = await stack.db.identityDecision.findMany({ orderBy: { id: 'asc' } });
    expect(decisions).toMatchObject([
      { kind: 'merge', active: false },
      { kind: 'split', clientId: ana, record: 'ghl:ghl-console1', active: true },
    ]);
    expect(await page.textContent('#client-decisions')).toContain('Separación');
  });
});
