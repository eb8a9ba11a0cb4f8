import { createDb } from '@cauce/db';
import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED } from '../src/admin/redact.ts';
import { call, startIngress } from './support.ts';

/**
 * The reads behind the console's Orders, Bookings and Clients pages (docs/console.md), against
 * the real PostgreSQL: search filters, details, and what a viewer sees of contact data.
 */
const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 2 });
let ingress: Awaited<ReturnType<typeof startIngress>>;

beforeAll(async () => {
  ingress = await startIngress(env);
});
afterAll(async () => {
  await ingress?.close();
  await db.$disconnect();
});

const get = (url: string, token: string | null) => call(ingress.app, 'GET', url, token);
const ids = (rows: Array<{ id: unknown }>) => rows.map((r) => r.id);

describe('orders list: search and "recently synced"', () => {
  it('finds an order by id, name or phone digits, and sorts synced orders by their last sync', async () => {
    const base = {
      address: 'Calle 1 # 2-3',
      city: 'Cali',
      department: 'Valle',
      pack: 'Pack 1',
      price: '159900',
      status: 'pending',
    };
    const older = await db.order.create({
      data: {
        ...base,
        sessionId: 'cd-1',
        customerName: 'Rosa Díaz',
        phone: '+573151112233',
        syncedToBigin: true,
        lastSyncAt: new Date('2026-11-01T10:00:00Z'),
      },
    });
    const newer = await db.order.create({
      data: {
        ...base,
        sessionId: 'cd-2',
        customerName: 'Pedro Gómez',
        phone: '+573159998877',
        syncedToBigin: true,
        lastSyncAt: new Date('2026-11-20T10:00:00Z'),
      },
    });
    const pending = await db.order.create({
      data: { ...base, sessionId: 'cd-3', customerName: 'Rosa Peña', phone: '3004445566' },
    });

    const byName = await get('/api/orders?q=rosa', ingress.viewer);
    expect(ids(byName.body.orders).sort()).toEqual([older.id, pending.id].sort());
    const byPhone = await get('/api/orders?q=315%20999', ingress.admin);
    expect(ids(byPhone.body.orders)).toEqual([newer.id]);
    const byId = await get(`/api/orders?q=${pending.id}`, ingress.admin);
    expect(ids(byId.body.orders)).toContain(pending.id);

    const recent = await get('/api/orders?synced=true&sort=last_sync', ingress.viewer);
    expect(ids(recent.body.orders)).toEqual([newer.id, older.id]);
    const pendingOnly = await get('/api/orders?synced=false', ingress.viewer);
    expect(ids(pendingOnly.body.orders)).toEqual([pending.id]);
    // Viewers get the list with contact data masked.
    expect(pendingOnly.body.orders[0]).toMatchObject({ phone: REDACTED, customerName: 'Rosa Peña' });
    expect((await get('/api/orders?sort=price', ingress.viewer)).status).toBe(400);
  });
});

describe('bookings', () => {
  beforeAll(async () => {
    const booking = (id: string, guestName: string, phone: string, arrival: string, departure: string) => ({
      bookingId: id,
      guestName,
      phone,
      email: `${guestName.split(' ')[0]!.toLowerCase()}@huesped.example`,
      status: 'confirmed',
      bdStatus: 'created',
      arrival: new Date(`${arrival}T00:00:00Z`),
      departure: new Date(`${departure}T00:00:00Z`),
      totalCharges: '450000',
      totalPayments: '150000',
      balance: '300000',
      raw: { id: Number(id) },
    });
    await db.booking.create({
      data: {
        ...booking('70000001', 'Laura Méndez', '+573201234567', '2026-12-20', '2026-12-23'),
        charges: [{ description: 'Noche habitación doble', amount: 150000, qty: 3 }],
        payments: [{ description: 'Anticipo', amount: 150000 }],
        messages: [{ message: 'Llego a las 3 pm', source: 'guest' }],
      },
    });
    await db.booking.create({
      data: booking('70000002', 'Carlos Ruiz', '+573107654321', '2027-01-05', '2027-01-07'),
    });
    await db.webhookEvent.create({
      data: {
        provider: 'beds24',
        eventType: 'booking.modified',
        dedupeKey: 'cd-beds24-1',
        entityId: '70000001',
        status: 'processed',
        payload: { booking: { id: 70000001, email: 'laura@huesped.example' } },
      },
    });
  });

  it('searches by booking id, guest name, phone and stay dates', async () => {
    const found = async (qs: string) =>
      (await get(`/api/bookings?${qs}`, ingress.viewer)).body.bookings.map(
        (b: { bookingId: string }) => b.bookingId,
      );
    expect(await found('q=70000002')).toEqual(['70000002']);
    expect(await found('q=laura')).toEqual(['70000001']);
    expect(await found('q=310%20765')).toEqual(['70000002']);
    expect(await found('arrival_from=2026-12-01&arrival_to=2026-12-31')).toEqual(['70000001']);
    expect(await found('departure_from=2027-01-07')).toEqual(['70000002']);
    expect(await found('')).toEqual(['70000002', '70000001']);
    expect((await get('/api/bookings?arrival_from=20-12-2026', ingress.viewer)).status).toBe(400);
    const page = await get('/api/bookings?q=laura', ingress.viewer);
    expect(page.body.bookings[0]).toMatchObject({
      arrival: '2026-12-20',
      departure: '2026-12-23',
      totalCharges: '450000.00',
      balance: '300000.00',
      phone: REDACTED,
      email: REDACTED,
    });
  });

  it("shows a booking's charges, payments, messages and the webhook events that touched it", async () => {
    const res = await get('/api/bookings/70000001', ingress.admin);
    expect(res.status).toBe(200);
    expect(res.body.booking).toMatchObject({
      bookingId: '70000001',
      phone: '+573201234567',
      charges: [{ description: 'Noche habitación doble', amount: 150000 }],
      payments: [{ amount: 150000 }],
      messages: [{ message: 'Llego a las 3 pm' }],
    });
    expect(res.body.events).toMatchObject([{ eventType: 'booking.modified', status: 'processed' }]);
    const asViewer = await get('/api/bookings/70000001', ingress.viewer);
    expect(asViewer.body.events[0].payload.booking.email).toBe(REDACTED);
    expect((await get('/api/bookings/79999999', ingress.viewer)).status).toBe(404);
    expect((await get('/api/bookings/abc', ingress.viewer)).status).toBe(400);
    expect((await get('/api/bookings/70000001', null)).status).toBe(401);
  });
});

describe('clients', () => {
  let ana: bigint;
  let otra: bigint;
  beforeAll(async () => {
    ana = (
      await db.client.create({
        data: { name: 'Ana Torres', email: 'ana.torres@correo.co', phoneE164: '+573001112233' },
      })
    ).id;
    otra = (await db.client.create({ data: { name: 'Ana T.', email: 'anat@correo.co' } })).id;
    await db.client.create({
      data: { name: 'Ana Vieja', email: 'vieja@correo.co', retiredAt: new Date(), mergedInto: ana },
    });
    await db.stripeCustomerRaw.create({
      data: {
        stripeCustomerId: 'cus_cd1',
        email: 'ana.torres@correo.co',
        name: 'Ana Torres',
        payload: { id: 'cus_cd1', email: 'ana.torres@correo.co' },
        clientId: ana,
        mergedAt: new Date(),
      },
    });
    await db.ghlContactRaw.create({
      data: { ghlContactId: 'ghl-cd1', phoneE164: '+573001112233', name: 'Ana', payload: {}, clientId: ana },
    });
    await db.transaction.create({
      data: {
        source: 'stripe',
        kind: 'charge',
        sourceId: 'ch_cd1',
        amount: '159900',
        currency: 'cop',
        status: 'succeeded',
        payload: { id: 'ch_cd1', billing_details: { email: 'ana.torres@correo.co' } },
        clientId: ana,
      },
    });
    await db.invoice.create({
      data: {
        source: 'stripe',
        sourceId: 'in_cd1',
        total: '159900',
        currency: 'cop',
        payload: {},
        clientId: ana,
      },
    });
    await db.subscription.create({
      data: { source: 'paypal', sourceId: 'I-CD1', status: 'ACTIVE', payload: {}, clientId: ana },
    });
    await db.mergeConflict.create({
      data: {
        clientId: ana,
        field: 'email',
        existingValue: 'ana.torres@correo.co',
        existingSource: 'stripe:cus_cd1',
        incomingValue: 'anat@correo.co',
        incomingSource: 'ghl',
        incomingSourceId: 'ghl-cd1',
      },
    });
  });

  it('searches by name, e-mail and phone digits; retired clients only when asked', async () => {
    const found = async (qs: string) =>
      (await get(`/api/clients?${qs}`, ingress.viewer)).body.clients.map((c: { id: string }) => c.id);
    expect((await found('q=ana')).sort()).toEqual([String(ana), String(otra)].sort());
    expect(await found('q=ANAT@')).toEqual([String(otra)]);
    expect(await found('q=300%20111%202233')).toEqual([String(ana)]);
    expect(await found('q=vieja')).toEqual([]);
    expect((await found('q=vieja&include_retired=true')).length).toBe(1);
    const asViewer = await get('/api/clients?q=ana.torres', ingress.viewer);
    expect(asViewer.body.clients[0]).toMatchObject({
      name: 'Ana Torres',
      email: REDACTED,
      phoneE164: REDACTED,
    });
  });

  it("lists a client's source rows and payments; conflicts filter by client", async () => {
    const sources = await get(`/api/clients/${ana}/sources`, ingress.admin);
    expect(sources.body.sources.map((s: { record: string }) => s.record)).toEqual([
      'stripe:cus_cd1',
      'ghl:ghl-cd1',
    ]);
    const viewerSources = await get(`/api/clients/${ana}/sources`, ingress.viewer);
    expect(viewerSources.body.sources[0].payload.email).toBe(REDACTED);
    expect(JSON.stringify(viewerSources.body)).not.toContain('ana.torres@correo.co');

    const payments = await get(`/api/clients/${ana}/payments`, ingress.viewer);
    expect(payments.body).toMatchObject({
      transactions: [{ sourceId: 'ch_cd1', amount: '159900.00', currency: 'cop', kind: 'charge' }],
      invoices: [{ sourceId: 'in_cd1', total: '159900.00' }],
      subscriptions: [{ sourceId: 'I-CD1', status: 'ACTIVE' }],
    });
    expect(JSON.stringify(payments.body)).not.toContain('ana.torres@correo.co');
    expect(payments.body.transactions[0].payload.billing_details.email).toBe(REDACTED);
    expect((await get('/api/clients/999999/payments', ingress.viewer)).status).toBe(404);
    expect((await get('/api/clients/999999/sources', ingress.viewer)).status).toBe(404);

    const mine = await get(`/api/sync/conflicts?client_id=${ana}`, ingress.viewer);
    expect(mine.body.conflicts).toHaveLength(1);
    const none = await get(`/api/sync/conflicts?client_id=${otra}`, ingress.viewer);
    expect(none.body.conflicts).toEqual([]);
  });
});
