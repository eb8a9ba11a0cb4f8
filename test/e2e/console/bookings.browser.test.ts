import { BEDS24_SIM_CREDENTIALS } from '@cauce/provider-sim/providers/beds24';
import { parseConfig } from '@cauce/runtime';
import { setupTestEnv, workerTestEnv } from '@cauce/testkit';
import { startBookingsWorker } from '@cauce/worker-bookings/app';
import { bookingsEnv } from '@cauce/worker-bookings/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleStack, startConsoleStack } from './harness.ts';

/**
 * The Bookings page in headless Chromium against the running ingress, worker-bookings and
 * provider-sim's Beds24: an admin starts a backfill for December from the page and watches it
 * finish; the booking it brought is in PostgreSQL, the search finds it by guest and by phone, and
 * its detail shows its charges and payments. A viewer searches read-only, contact data masked.
 */
const env = await setupTestEnv();
let stack: ConsoleStack;
let laura: string;

const text = (s: string | null) => (s ?? '').replace(/\u00a0/g, ' ');

beforeAll(async () => {
  stack = await startConsoleStack(env, {
    workers: async ({ env, sim }) => [
      await startBookingsWorker(
        parseConfig(
          bookingsEnv,
          workerTestEnv(env, {
            BEDS24_BASE_URL: `${sim.base}/beds24/v2`,
            BEDS24_WRITE_REFRESH_TOKEN: BEDS24_SIM_CREDENTIALS.refreshToken,
          }),
        ),
      ),
    ],
  });
  const created = await stack.sim.call('POST', '/__sim/beds24/bookings', {
    firstName: 'Laura',
    lastName: 'Méndez',
    arrival: '2026-12-20',
    departure: '2026-12-23',
    phone: '+573201234567',
    price: 450000,
    status: 'confirmed',
    invoiceItems: [
      { type: 'charge', description: 'Desayuno', qty: 3, amount: 20000 },
      { type: 'payment', description: 'Anticipo', qty: 1, amount: 150000 },
    ],
    message: 'Llego a las 3 pm',
  });
  laura = String(created.id);
  // Outside the backfill's range: it must not be brought.
  await stack.sim.call('POST', '/__sim/beds24/bookings', { arrival: '2027-02-10', departure: '2027-02-12' });
});
afterAll(async () => {
  await stack?.finish();
});

describe('Bookings page', () => {
  it('an admin backfills December from the page, then finds the booking and sees its charges', async () => {
    const admin = await stack.as('admin');
    await admin.open('/admin/bookings');
    const page = admin.page;
    await page.locator('#bookings-table-empty').waitFor();
    await page.locator('#backfill-runs-empty').waitFor();

    await page.fill('#backfill-from', '2026-12-01');
    await page.fill('#backfill-to', '2026-12-31');
    await page.click('#backfill-start');
    await page.locator('#backfill-runs .badge', { hasText: 'terminado' }).waitFor({ timeout: 60_000 });
    const run = await stack.db.syncRun.findFirstOrThrow({ where: { source: 'beds24', kind: 'backfill' } });
    expect(run).toMatchObject({ status: 'succeeded', params: { from: '2026-12-01', to: '2026-12-31' } });
    const stored = await stack.db.booking.findUniqueOrThrow({ where: { bookingId: laura } });
    expect(stored).toMatchObject({ guestName: 'Laura Méndez', bdStatus: 'backfill' });
    expect(await stack.db.booking.count()).toBe(1);

    // The list reloads when the run finishes; the search narrows it.
    await page.fill('#bookings-q', 'laura');
    await page.click('#bookings-search button[type="submit"]');
    const row = page.locator(`#bookings-table tr:has([data-open-booking="${laura}"])`);
    await row.waitFor();
    expect(text(await row.textContent())).toContain('20/12/2026');
    expect(text(await row.textContent())).toContain('$ 510.000');
    await page.fill('#bookings-q', '320 123');
    await page.click('#bookings-search button[type="submit"]');
    await row.waitFor();
    await page.fill('#bookings-arrival_from', '2027-01-01');
    await page.click('#bookings-search button[type="submit"]');
    await page.locator('#bookings-table-empty').waitFor();
    await page.fill('#bookings-arrival_from', '');
    await page.click('#bookings-search button[type="submit"]');

    await page.click(`[data-open-booking="${laura}"]`);
    const charges = page.locator('#booking-charges');
    await charges.waitFor();
    expect(text(await charges.textContent())).toContain('Desayuno');
    expect(text(await charges.textContent())).toContain('$ 60.000');
    expect(text(await charges.textContent())).toContain('$ 450.000');
    expect(text(await page.textContent('#booking-payments'))).toContain('$ 150.000');
    expect(await page.textContent('#booking-messages')).toContain('Llego a las 3 pm');
    await page.locator('#booking-events-empty').waitFor(); // it came from a backfill, not a webhook
    await stack.shot(admin, 'bookings');
  });

  it('a viewer searches and reads the detail, without the backfill form, contact data masked', async () => {
    const viewer = await stack.as('viewer');
    await viewer.open('/admin/bookings');
    const page = viewer.page;
    await page.locator(`[data-open-booking="${laura}"]`).waitFor();
    expect(await page.locator('#backfill-start').count()).toBe(0);
    expect(await page.locator('#backfill-from').count()).toBe(0);
    await page.locator('#backfill-runs .badge', { hasText: 'terminado' }).waitFor();
    await page.click(`[data-open-booking="${laura}"]`);
    await page.locator('#booking-charges').waitFor();
    const detail = (await page.textContent('#booking-detail')) ?? '';
    expect(detail).toContain('[redacted]');
    expect(detail).not.toContain('3201234567');
    const refused = await stack.api(
      'POST',
      '/api/admin/beds24/backfill',
      { from: '2026-12-01', to: '2026-12-02' },
      stack.viewerToken,
    );
    expect(refused.status).toBe(403);
    await stack.shot(viewer, 'bookings');
  });
});
