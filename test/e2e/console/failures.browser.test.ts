import { parseConfig } from '@cauce/runtime';
import { setupTestEnv, waitFor } from '@cauce/testkit';
import { type BookingsWorker, startBookingsWorker } from '@cauce/worker-bookings/app';
import { bookingsEnv } from '@cauce/worker-bookings/config';
import {
  bookingsConfig,
  type Sim,
  startSim,
  storeAndEnqueue,
  workerEnvFor,
} from '@cauce/worker-bookings/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleStack, startConsoleStack } from './harness.ts';

/**
 * Dead letters and the webhook log, for real: worker-bookings runs with a revoked Beds24 token
 * (provider-sim answers 401), so two booking webhooks fail for good into job_failures. The admin
 * filters, inspects, fixes nothing in the page but the worker (restarted with good credentials),
 * then replays one dead letter and all the others since a time; the database shows both replayed
 * and the bookings stored. The viewer sees the same lists without a replay button.
 */
const env = await setupTestEnv();
let stack: ConsoleStack<Sim>;
let worker: BookingsWorker | undefined;
const bookingIds: number[] = [];

beforeAll(async () => {
  stack = await startConsoleStack(env, { startSim });
  worker = await startBookingsWorker(
    parseConfig(bookingsEnv, {
      ...workerEnvFor(env, stack.sim),
      BEDS24_WRITE_REFRESH_TOKEN: undefined,
      BEDS24_TOKEN: 'revoked-token',
    }),
  );
  for (let i = 0; i < 2; i++) {
    const b = await stack.sim.create({});
    bookingIds.push(Number(b.id));
    await storeAndEnqueue(stack.db, stack.deps.producer, b.id, 'MODIFY');
  }
  await waitFor(async () => (await stack.db.jobFailure.count()) === 2, { message: 'two dead letters' });
});
afterAll(async () => {
  await worker?.close();
  await stack?.finish();
});

describe('dead letters and webhook log page (headless Chromium)', () => {
  it('admin: filters, inspects, replays one, then all matching since a time', async () => {
    const admin = await stack.as('admin');
    await admin.open('/admin/failures');
    const page = admin.page;
    await expect.poll(() => page.locator('#failures tr.failure').count()).toBe(2);
    expect(await page.textContent('#failures')).toMatch(/401/);
    await page.selectOption('#filter-queue', 'beds24-sync');
    await expect.poll(() => page.locator('#failures tr.failure').count()).toBe(2);
    await page.selectOption('#filter-queue', 'siigo-stock');
    await page.locator('#failures-empty').waitFor();
    await page.selectOption('#filter-queue', '');
    await page.locator('#failures tr.failure').first().waitFor();
    await page.locator('#failures tr.failure button.inspect').first().click();
    expect(await page.textContent('#failures pre.detail')).toContain('webhookEventId');
    await page.selectOption('#filter-provider', 'beds24');
    await expect.poll(() => page.locator('#webhook-events tr.webhook-event').count()).toBe(2);
    expect(await page.textContent('#webhook-events')).toContain('fallido');

    // The cause is fixed where it lives: the worker gets working credentials.
    await worker!.close();
    worker = await startBookingsWorker(bookingsConfig(env, stack.sim));

    const [newest, oldest] = await stack.db.jobFailure.findMany({ orderBy: { id: 'desc' } });
    // Newest first: the first row's button replays the newest dead letter (one press; the bulk
    // replay asks for a confirmation).
    await page.locator('#failures tr.failure').first().locator('button.replay').click();
    await expect.poll(() => page.textContent('#failures-result')).toContain('Reenviado');
    expect(
      (await stack.db.jobFailure.findUniqueOrThrow({ where: { id: newest!.id } })).replayedAt,
    ).not.toBeNull();

    // Replay all since a time before the older failure (the datetime field is local time).
    const before = new Date(oldest!.failedAt.getTime() - 60_000);
    // The page's context is in Bogotá (harness): write the field's local time there.
    const local = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'America/Bogota',
      dateStyle: 'short',
      timeStyle: 'short',
    })
      .format(before)
      .replace(' ', 'T');
    await page.fill('#filter-since', local);
    await page.click('#replay-all-failures');
    await page.click('#replay-all-failures');
    await expect.poll(() => page.textContent('#failures-result')).toContain('1 de 2 reenviados');
    expect(
      (await stack.db.jobFailure.findUniqueOrThrow({ where: { id: oldest!.id } })).replayedAt,
    ).not.toBeNull();
    await page.locator('#failures-empty').waitFor();
    await waitFor(
      async () =>
        (await stack.db.booking.count({ where: { bookingId: { in: bookingIds.map(String) } } })) === 2,
      {
        message: 'both bookings stored by the replayed jobs',
      },
    );
    await page.selectOption('#filter-replayed', 'true');
    await expect.poll(() => page.locator('#failures tr.failure').count()).toBe(2);
    await stack.shot(admin, 'failures');
  });

  it('viewer: the same lists, inspect allowed, no replay button', async () => {
    const viewer = await stack.as('viewer');
    await viewer.open('/admin/failures');
    const page = viewer.page;
    await page.selectOption('#filter-replayed', 'true');
    await expect.poll(() => page.locator('#failures tr.failure').count()).toBe(2);
    await page.locator('#webhook-events tr.webhook-event').first().waitFor();
    expect(await page.locator('button.replay').count()).toBe(0);
    expect(await page.locator('#replay-all-failures, #replay-all-webhooks').count()).toBe(0);
    await page.locator('#failures tr.failure button.inspect').first().click();
    await page.locator('#failures pre.detail').waitFor();
    await stack.shot(viewer, 'failures');
  });
});
