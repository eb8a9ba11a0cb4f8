import { freePort, scrape, startApp, waitFor } from '@cauce/testkit';
import { BOOKINGS_ENDPOINT, setupBookingsTest, workerEnvFor } from '@cauce/worker-bookings/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WEBHOOK_TOKEN = 'e2e-beds24-webhook-token-0123456789';

/**
 * End to end through real HTTP, Redis and PostgreSQL, every part its own process: provider-sim
 * sends Beds24's webhooks to the ingress (Bearer token), which stores and queues them, and
 * worker-bookings fetches each booking back from the simulated Beds24 API.
 */
const { env, db, sim } = await setupBookingsTest();
let worker: Awaited<ReturnType<typeof startApp>>;
let ingress: Awaited<ReturnType<typeof startApp>>;
let metricsUrl: string;
let ingressUrl: string;

beforeAll(async () => {
  const port = await freePort();
  worker = await startApp(
    'apps/worker-bookings/src/main.ts',
    workerEnvFor(env, sim, { WORKER_PORT: String(port) }),
    {
      readyUrl: `http://127.0.0.1:${port}/health`,
    },
  );
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const ingressPort = await freePort();
  ingressUrl = `http://127.0.0.1:${ingressPort}`;
  ingress = await startApp(
    'apps/ingress/src/main.ts',
    {
      ...env.env,
      PORT: String(ingressPort),
      HOST: '127.0.0.1',
      JWT_SECRET: 'e2e-secret-0123456789-0123456789-0123',
      BEDS24_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    },
    { readyUrl: `${ingressUrl}/api/ready` },
  );
});
afterAll(async () => {
  await worker?.stop('SIGTERM');
  await ingress?.stop('SIGTERM');
});

describe('Beds24 end to end', () => {
  it('created -> modified -> cancelled: the row ends with the final state; three jobs processed', async () => {
    const b = await sim.create({
      firstName: 'Ñusta',
      lastName: 'Quispe',
      phone: '300 765 4321',
      price: 250000,
    });
    // Beds24 sends the webhook; the next one only after the previous change was processed, so the
    // row's history is observable step by step.
    // The real V2 body (no action): the ingress reads CREATED / MODIFY / CANCEL from the booking.
    const send = async (step: string, count: number) => {
      const sent = await sim.emit({
        bookingId: b.id,
        target: `${ingressUrl}/api/webhooks/beds24`,
        token: WEBHOOK_TOKEN,
      });
      expect(sent).toMatchObject({ delivered: true, status: 202 });
      await waitFor(
        async () =>
          (await db.webhookEvent.count({ where: { entityId: String(b.id), status: 'processed' } })) === count,
        { message: `${step}: ${count} events processed`, timeoutMs: 20_000 },
      );
    };

    await send('created', 1);
    await sim.modify(b.id, {
      status: 'confirmed',
      numAdult: 4,
      invoiceItems: [{ type: 'charge', description: 'Late checkout', qty: 1, amount: 30000 }],
    });
    await send('modified', 2);
    await sim.cancel(b.id);
    await send('cancelled', 3);
    const events = await db.webhookEvent.findMany({
      where: { entityId: String(b.id) },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => e.eventType)).toEqual(['CREATED', 'MODIFY', 'CANCEL']);

    const row = await db.booking.findUniqueOrThrow({ where: { bookingId: String(b.id) } });
    expect(row).toMatchObject({
      status: 'cancelled',
      bdStatus: 'cancelled',
      guestName: 'Ñusta Quispe',
      phone: '+573007654321',
      totalPersons: 4 + (b.numChild as number),
    });
    expect(Number(row.totalCharges)).toBe(280000);
    // Counted when each job returns, after the settle `send` waited for: poll the counters themselves.
    await expect
      .poll(() => scrape(metricsUrl, 'jobs_processed_total', { queue: 'beds24-sync', type: 'webhook-event' }))
      .toBe(3);
    expect(
      await scrape(metricsUrl, 'beds24_api_calls_total', { endpoint: 'GET /bookings', status: '200' }),
    ).toBe(3);
    // The sim records a call once its answer is sent, which may be after the worker read it.
    await expect.poll(async () => (await sim.calls())[BOOKINGS_ENDPOINT]).toBe(3);
    await expect
      .poll(() => scrape(metricsUrl, 'last_successful_sync_timestamp_seconds', { sync: 'beds24' }))
      .toBeGreaterThan(Date.now() / 1000 - 60);
    for (const action of ['CREATED', 'MODIFY', 'CANCEL'])
      expect(await scrape(`${ingressUrl}/metrics`, 'beds24_webhooks_received_total', { action })).toBe(1);
    expect(
      await scrape(`${ingressUrl}/metrics`, 'webhooks_received_total', {
        provider: 'beds24',
        event: 'CANCEL',
        outcome: 'accepted',
      }),
    ).toBe(1);
  });
});
