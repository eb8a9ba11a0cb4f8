import { sendWebhook } from '@cauce/provider-sim/send';
import { metricValue, waitFor } from '@cauce/testkit';
import { type BookingsWorker, startBookingsWorker } from '@cauce/worker-bookings/app';
import { bookingsConfig, setupBookingsTest } from '@cauce/worker-bookings/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngress } from '../ingress.ts';

/**
 * Beds24 webhooks as the platform sends them (V2 with personal data: no top-level action), from
 * provider-sim over HTTP to a real ingress, then worker-bookings: the event type comes from the
 * body, a redelivery is a duplicate, and an older event never moves bd_status back.
 */
const { env, db, sim } = await setupBookingsTest();
const TOKEN = 'v2-beds24-webhook-token-0123456789';
let worker: BookingsWorker;
let ingress: Awaited<ReturnType<typeof startIngress>>;
let hook: string;

beforeAll(async () => {
  worker = await startBookingsWorker(bookingsConfig(env, sim));
  ingress = await startIngress(env, { BEDS24_WEBHOOK_TOKEN: TOKEN });
  hook = `${ingress.base}/api/webhooks/beds24`;
});
afterAll(async () => {
  await ingress?.close();
  await worker?.close();
});

const received = async (action: string) =>
  metricValue(await ingress.deps.registry.metrics(), 'beds24_webhooks_received_total', { action }) ?? 0;
const emit = (bookingId: number, extra: Record<string, unknown> = {}) =>
  sim.emit({ bookingId, target: hook, token: TOKEN, ...extra });
const processed = (bookingId: number, count: number) =>
  waitFor(
    async () =>
      (await db.webhookEvent.count({ where: { entityId: String(bookingId), status: 'processed' } })) ===
      count,
    { message: `${count} events of booking ${bookingId} processed` },
  );
const row = (bookingId: number) => db.booking.findUniqueOrThrow({ where: { bookingId: String(bookingId) } });

describe('Beds24 V2 webhooks (no action field)', () => {
  it('create, modify, cancel: the event type and bd_status come from the body and the booking history', async () => {
    const before = {
      CREATED: await received('CREATED'),
      MODIFY: await received('MODIFY'),
      CANCEL: await received('CANCEL'),
    };
    const b = await sim.create({ firstName: 'Ñusta', lastName: 'Quispe' });
    expect(await emit(b.id)).toMatchObject({ status: 202 });
    await processed(b.id, 1);
    expect(await row(b.id)).toMatchObject({ bdStatus: 'created' });

    await sim.modify(b.id, { numAdult: 3 });
    expect(await emit(b.id)).toMatchObject({ status: 202 });
    await processed(b.id, 2);
    expect(await row(b.id)).toMatchObject({ bdStatus: 'modified', totalPersons: 3 + b.numChild });

    await sim.cancel(b.id);
    expect(await emit(b.id)).toMatchObject({ status: 202 });
    await processed(b.id, 3);
    expect(await row(b.id)).toMatchObject({ status: 'cancelled', bdStatus: 'cancelled' });

    const events = await db.webhookEvent.findMany({
      where: { entityId: String(b.id) },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => e.eventType)).toEqual(['CREATED', 'MODIFY', 'CANCEL']);
    expect(await received('CREATED')).toBe(before.CREATED + 1);
    expect(await received('MODIFY')).toBe(before.MODIFY + 1);
    expect(await received('CANCEL')).toBe(before.CANCEL + 1);
  });

  it('a booking Cauce already stored (backfill, no webhook yet) is MODIFY, not CREATED', async () => {
    const b = await sim.create({});
    await db.booking.create({
      data: { bookingId: String(b.id), status: 'confirmed', bdStatus: 'backfill', raw: {} },
    });
    expect(await emit(b.id)).toMatchObject({ status: 202 });
    const [event] = await db.webhookEvent.findMany({ where: { entityId: String(b.id) } });
    expect(event!.eventType).toBe('MODIFY');
  });

  it('a redelivery (retries incremented, new timeStamp) is a 200 duplicate and enqueues nothing', async () => {
    const b = await sim.create({});
    expect(await emit(b.id, { retries: 0 })).toMatchObject({ status: 202 });
    const again = await emit(b.id, { retries: 1 });
    expect(again).toMatchObject({ status: 200, body: { received: true, duplicate: true } });
    expect(await db.webhookEvent.count({ where: { entityId: String(b.id) } })).toBe(1);
  });

  it('an older MODIFY delivered after the CANCEL does not move bd_status back', async () => {
    const b = await sim.create({});
    expect(await emit(b.id)).toMatchObject({ status: 202 });
    await processed(b.id, 1);
    await sim.modify(b.id, { numAdult: 2 });
    // The MODIFY's delivery fails at first (Beds24 retries it later); meanwhile the booking is cancelled.
    const olderModify = await sim.call('GET', `/__sim/beds24/webhook-body/${b.id}`);
    await sim.cancel(b.id);
    expect(await emit(b.id)).toMatchObject({ status: 202 });
    await processed(b.id, 2);
    expect(await row(b.id)).toMatchObject({ bdStatus: 'cancelled' });

    const late = await sendWebhook(
      hook,
      { ...olderModify, retries: 3 },
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(late.status).toBe(202);
    await processed(b.id, 3);
    const [, , modify] = await db.webhookEvent.findMany({
      where: { entityId: String(b.id) },
      orderBy: { id: 'asc' },
    });
    expect(modify!.eventType).toBe('MODIFY');
    expect(await row(b.id)).toMatchObject({ status: 'cancelled', bdStatus: 'cancelled' });
  });
});
