import { once } from 'node:events';
import { createServer } from 'node:http';
import { BEDS24_SIM_CREDENTIALS } from '@cauce/provider-sim/providers/beds24';
import { beds24 } from '@cauce/providers';
import { QUEUES } from '@cauce/queues';
import { scrape, waitFor } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BookingsWorker, startBookingsWorker } from '../src/app.ts';
import { FetchCollapser } from '../src/collapse.ts';
import { upsertBooking, upsertBookings } from '../src/store.ts';
import {
  BOOKINGS_ENDPOINT,
  bookingsConfig,
  MESSAGES_ENDPOINT,
  setupBookingsTest,
  storeAndEnqueue,
} from './support.ts';

const { env, db, redis, producer, sim } = await setupBookingsTest();
let worker: BookingsWorker;
let metricsUrl: string;

beforeAll(async () => {
  worker = await startBookingsWorker(
    bookingsConfig(env, sim, { BEDS24_PROPERTY_NAMES: '{"200101":"Casa Azul"}' }),
  );
  metricsUrl = `http://127.0.0.1:${worker.port}/metrics`;
});
afterAll(async () => {
  await worker?.close();
});

const pool = () => worker.bookings!.pool;
const row = (bookingId: number | string) =>
  db.booking.findUnique({ where: { bookingId: String(bookingId) } });
const settled = (id: bigint) =>
  waitFor(
    async () => {
      const e = await db.webhookEvent.findUnique({ where: { id } });
      return e && ['processed', 'failed', 'ignored'].includes(e.status) ? e : null;
    },
    { message: `webhook event ${id} settled` },
  );

describe('Beds24 booking webhooks', () => {
  it('created -> modified -> cancelled ends with the full final state, cancelled row kept', async () => {
    const b = await sim.create({
      propertyId: 200101,
      phone: '310 555 0101',
      firstName: 'Zoë',
      lastName: 'Núñez',
      price: 300000,
    });
    const e1 = await storeAndEnqueue(db, producer, b.id, 'CREATED');
    await settled(e1.event.id);
    expect(await row(b.id)).toMatchObject({
      status: 'new',
      guestName: 'Zoë Núñez',
      phone: '+573105550101',
      propertyName: 'Casa Azul',
      bdStatus: 'created',
    });

    await sim.modify(b.id, {
      status: 'confirmed',
      numAdult: 3,
      invoiceItems: [{ type: 'payment', description: 'Nequi', qty: 1, amount: 100000 }],
      message: 'Llegamos a las 9 p. m.',
    });
    await settled((await storeAndEnqueue(db, producer, b.id, 'MODIFY')).event.id);
    const modified = await row(b.id);
    expect(modified).toMatchObject({ status: 'confirmed', bdStatus: 'modified' });
    expect(modified!.messages).toEqual([expect.objectContaining({ message: 'Llegamos a las 9 p. m.' })]);

    await sim.cancel(b.id);
    const e3 = await storeAndEnqueue(db, producer, b.id, 'CANCEL');
    await settled(e3.event.id);
    const final = await row(b.id);
    expect(final).toMatchObject({
      status: 'cancelled',
      bdStatus: 'cancelled',
      totalPersons: 3 + (b.numChild as number),
    });
    expect(Number(final!.totalCharges)).toBe(300000);
    const paid = 100000 + (b.id % 2 === 0 ? 150000 : 0);
    expect(Number(final!.totalPayments)).toBe(paid);
    expect(Number(final!.balance)).toBe(300000 - paid);
    expect(final!.modifiedDate!.getTime()).toBeGreaterThan(modified!.modifiedDate!.getTime());
    expect(await db.booking.count({ where: { bookingId: String(b.id) } })).toBe(1);
    expect((await db.webhookEvent.findUnique({ where: { id: e3.event.id } }))!.status).toBe('processed');

    // Counted when the job returns, after the settle awaited above: poll the counter itself.
    await expect
      .poll(
        async () =>
          (await (await fetch(metricsUrl)).text()).match(
            /jobs_processed_total\{[^}]*type="webhook-event"[^}]*\} (\d+)/,
          )?.[1],
      )
      .toMatch(/^[3-9]$/);
    expect(
      await scrape(metricsUrl, 'beds24_api_calls_total', { endpoint: 'GET /bookings', status: '200' }),
    ).toBeGreaterThanOrEqual(3);
    expect(await scrape(metricsUrl, 'beds24_credits_remaining')).toBeGreaterThan(0);
    // Set after the upsert that settled the event: poll it.
    await expect
      .poll(async () => {
        const last = await scrape(metricsUrl, 'last_successful_sync_timestamp_seconds', { sync: 'beds24' });
        return last !== undefined && Math.abs(last - Date.now() / 1000) < 60;
      })
      .toBe(true);
  });

  it('fetches cancelled bookings by asking for every status (the list hides them otherwise)', async () => {
    const b = await sim.create({});
    await sim.cancel(b.id);
    // The gotcha, reproduced by the simulator: without status the cancelled booking is not there.
    const bare = await sim.call('GET', `/beds24/v2/bookings?id=${b.id}`, undefined, {
      token: BEDS24_SIM_CREDENTIALS.longLifeToken,
    });
    expect(bare.data).toEqual([]);
    await settled((await storeAndEnqueue(db, producer, b.id, 'CANCEL')).event.id);
    expect((await row(b.id))?.status).toBe('cancelled');
  });

  it('an older version landing after a newer one changes nothing (checked inside the upsert)', async () => {
    const b = await sim.create({ firstName: 'Nueva' });
    const newer = beds24.mapBooking({ booking: { ...b, modifiedTime: '2026-11-23T10:00:00Z' } });
    const older = beds24.mapBooking({
      booking: { ...b, firstName: 'Vieja', modifiedTime: '2026-11-23T09:00:00Z' },
    });
    expect(await upsertBooking(pool(), newer, 'modified')).toBe('inserted');
    expect(await upsertBooking(pool(), older, 'modified')).toBe('stale');
    expect((await row(b.id))?.guestName).toMatch(/^Nueva/);
    // Two writers at once: whatever the order, the newer version wins.
    const id2 = String(Number(b.id) + 1_000_000);
    const n2 = { ...newer, bookingId: id2 };
    const o2 = { ...older, bookingId: id2 };
    await Promise.all([
      upsertBooking(pool(), o2, 'modified'),
      upsertBooking(pool(), n2, 'modified'),
      upsertBooking(pool(), o2, 'modified'),
    ]);
    expect((await row(id2))?.guestName).toMatch(/^Nueva/);
    expect(await upsertBooking(pool(), { ...newer, guestName: 'Same version' }, 'modified')).toBe('updated');

    // Both versions in one statement (a batch): the newer is written, the older reported stale.
    const id3 = String(Number(b.id) + 2_000_000);
    expect(
      await upsertBookings(pool(), [
        { row: { ...older, bookingId: id3 }, bdStatus: 'modified' },
        { row: { ...newer, bookingId: id3 }, bdStatus: 'cancelled' },
        { row: { ...newer, bookingId: id2, guestName: 'Otra' }, bdStatus: 'modified' },
      ]),
    ).toEqual(['stale', 'inserted', 'updated']);
    expect(await row(id3)).toMatchObject({
      guestName: expect.stringMatching(/^Nueva/),
      bdStatus: 'cancelled',
    });
    expect((await row(id2))?.guestName).toBe('Otra');
  });

  it('the upsert settles its webhook events in the same statement, a stale write included', async () => {
    const b = await sim.create({ firstName: 'Evento' });
    const newer = beds24.mapBooking({ booking: { ...b, modifiedTime: '2026-11-24T10:00:00Z' } });
    const older = beds24.mapBooking({ booking: { ...b, modifiedTime: '2026-11-24T09:00:00Z' } });
    const stored = (n: number) =>
      db.webhookEvent.create({
        data: {
          provider: 'beds24',
          eventType: 'MODIFY',
          dedupeKey: `settle-test:${b.id}:${n}:${Math.random()}`,
          entityId: String(b.id),
          payload: { booking: { id: b.id } },
          status: 'queued',
        },
      });
    const [e1, e2, bystander] = [await stored(1), await stored(2), await stored(3)];
    expect(
      await upsertBookings(pool(), [
        { row: older, bdStatus: 'modified', webhookEventId: e1.id },
        { row: newer, bdStatus: 'modified', webhookEventId: e2.id },
      ]),
    ).toEqual(['stale', 'inserted']);
    for (const e of [e1, e2])
      expect(await db.webhookEvent.findUnique({ where: { id: e.id } })).toMatchObject({
        status: 'processed',
        attempts: 1,
        processedAt: expect.any(Date),
      });
    expect((await db.webhookEvent.findUnique({ where: { id: bystander.id } }))?.status).toBe('queued');
  });

  it('jobs for different bookings running together share one Beds24 fetch and one upsert', async () => {
    const queue = worker.workers.find((w) => w.name === QUEUES.beds24Sync)!;
    await queue.pause();
    const bookings = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        sim.create({ firstName: `Lote${i}`, lastName: 'Pérez', price: 1000 * (i + 1) }),
      ),
    );
    for (const [i, b] of bookings.entries()) await sim.modify(b.id, { message: `Mensaje ${i}` });
    const events = [];
    for (const b of bookings) events.push(await storeAndEnqueue(db, producer, b.id, 'MODIFY'));
    await sim.resetCalls();
    const before = (await scrape(metricsUrl, 'beds24_fetch_batch_size_count')) ?? 0;
    queue.resume();
    for (const e of events) expect((await settled(e.event.id)).status).toBe('processed');
    // Each row gets its own booking and only its own messages out of the shared responses.
    for (const [i, b] of bookings.entries()) {
      const r = await row(b.id);
      expect(r?.guestName).toBe(`Lote${i} Pérez`);
      expect(r?.messages).toEqual([expect.objectContaining({ message: `Mensaje ${i}` })]);
    }
    const calls = await sim.calls();
    // Five jobs started together reach the fetch together: one or two requests, never five.
    expect(calls[BOOKINGS_ENDPOINT]).toBeLessThanOrEqual(2);
    expect(calls[MESSAGES_ENDPOINT]).toBe(calls[BOOKINGS_ENDPOINT]);
    expect(((await scrape(metricsUrl, 'beds24_fetch_batch_size_count')) ?? 0) - before).toBe(
      calls[BOOKINGS_ENDPOINT],
    );
  });

  it('collapses a burst of webhooks for one booking into one fetch', async () => {
    await worker.workers.find((w) => w.name === QUEUES.beds24Sync)!.pause();
    const b = await sim.create({});
    const events = [];
    for (let i = 0; i < 20; i++)
      events.push(await storeAndEnqueue(db, producer, b.id, i === 0 ? 'CREATED' : 'MODIFY'));
    await sim.resetCalls();
    const collapsedBefore = (await scrape(metricsUrl, 'beds24_fetches_collapsed_total')) ?? 0;
    const fetchedBefore = (await scrape(metricsUrl, 'beds24_fetch_batch_size_sum')) ?? 0;
    worker.workers.find((w) => w.name === QUEUES.beds24Sync)!.resume();
    for (const e of events) expect((await settled(e.event.id)).status).toBe('processed');
    const calls = await sim.calls();
    // Jobs that start together share one fetch (batched by id), later ones are covered: far fewer than 20.
    expect(calls[BOOKINGS_ENDPOINT]).toBeGreaterThanOrEqual(1);
    expect(calls[BOOKINGS_ENDPOINT]).toBeLessThanOrEqual(5);
    expect(calls[MESSAGES_ENDPOINT]).toBe(calls[BOOKINGS_ENDPOINT]);
    // Every job either shared a fetch (counted in the batch histogram) or was covered by one.
    const collapsed = (await scrape(metricsUrl, 'beds24_fetches_collapsed_total')) ?? 0;
    const fetched = ((await scrape(metricsUrl, 'beds24_fetch_batch_size_sum')) ?? 0) - fetchedBefore;
    expect(collapsed - collapsedBefore + fetched).toBe(20);
  });

  it('never skips a webhook received after the covering fetch started: the last change is kept', async () => {
    const collapser = new FetchCollapser(redis, `${env.prefix}x`, 0);
    const t0 = Date.now();
    expect(await collapser.isCovered('1', new Date(t0))).toBe(false); // nothing fetched yet
    await collapser.recordFetch('1', t0);
    expect(await collapser.isCovered('1', new Date(t0 - 1))).toBe(true);
    expect(await collapser.isCovered('1', new Date(t0 + 1))).toBe(false);
    await collapser.recordFetch('1', t0 - 5_000); // a slower, earlier fetch finishing later
    expect(await collapser.lastFetchStart('1')).toBe(t0);
    const withMargin = new FetchCollapser(redis, `${env.prefix}x`, 1_000);
    expect(await withMargin.isCovered('1', new Date(t0 - 500))).toBe(false);

    // Through the worker: a change made while a fetch is in flight is picked up by its own webhook.
    const b = await sim.create({ firstName: 'Antes' });
    await sim.faults([{ route: '^GET /beds24/v2/bookings$', latencyMs: 300 }]);
    const first = await storeAndEnqueue(db, producer, b.id, 'CREATED');
    await waitFor(async () => (await first.job.getState()) === 'active', { message: 'first job active' });
    await sim.modify(b.id, { firstName: 'Después' });
    const second = await storeAndEnqueue(db, producer, b.id, 'MODIFY');
    await settled(first.event.id);
    await settled(second.event.id);
    await sim.faults([]);
    expect((await row(b.id))?.guestName).toMatch(/^Después/);
  });

  it('settles an event for a booking Beds24 does not have as ignored', async () => {
    const e = await storeAndEnqueue(db, producer, 99_999_999, 'MODIFY');
    expect((await settled(e.event.id)).status).toBe('ignored');
    expect(await row(99_999_999)).toBeNull();
  });

  it('the simulator sends token-authenticated V2 webhooks to a target URL', async () => {
    const received: Array<{ url?: string; auth?: string; body: Record<string, unknown> }> = [];
    const target = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        received.push({ url: req.url, auth: req.headers.authorization, body: JSON.parse(body) });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"received":true}');
      });
    });
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    try {
      const port = (target.address() as { port: number }).port;
      const b = await sim.create({ message: 'Hola' });
      await sim.cancel(b.id);
      const res = await sim.emit({
        bookingId: b.id,
        target: `http://127.0.0.1:${port}/hook`,
        token: 's3cret',
      });
      expect(res).toMatchObject({ delivered: true, status: 202 });
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ url: '/hook', auth: 'Bearer s3cret' });
      // The real V2 shape: what happened is in the booking, there is no top-level action.
      expect(Object.keys(received[0]!.body).sort()).toEqual(
        ['booking', 'infoItems', 'invoiceItems', 'messages', 'retries', 'timeStamp'].sort(),
      );
      expect(received[0]!.body).toMatchObject({
        booking: { id: b.id, status: 'cancelled' },
        messages: [expect.objectContaining({ message: 'Hola' })],
        retries: 0,
      });
      expect(received[0]!.body.invoiceItems).toEqual(expect.any(Array));
    } finally {
      target.close();
    }
  });
});
