import { createDb } from '@cauce/db';
import { setupTestEnv, waitFor } from '@cauce/testkit';
import { startStagingWorker } from '@cauce/worker-staging';
import { deliverWebhook, type Sim, stagingConfig, startSim } from '@cauce/worker-staging/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngress } from '../ingress.ts';

const env = await setupTestEnv();
const SYNTHETIC = 2_000;

/** Overlapping identities built on purpose (GHL side, through the simulator). */
const ghlExplicit = [
  { id: 'g-alice', email: ' Alice@X.com ', phone: '+57 300 111 0001', name: 'Alice' },
  { id: 'g-bob', email: 'Bob.Smith@x.com', phone: '300 111 0002', name: 'Bob' },
  // Placeholder email shared by unrelated people: never a key, each stays apart (by phone).
  ...Array.from({ length: 30 }, (_, i) => ({
    id: `g-dummy-${i}`,
    email: 'test@test.com',
    phone: `+57 300 222 ${String(1000 + i)}`,
  })),
  // One phone on 30 different people: over the cardinality limit, so it is no key.
  ...Array.from({ length: 30 }, (_, i) => ({
    id: `g-shared-${i}`,
    email: `shared${i}@y.com`,
    phone: '+57 300 999 0001',
  })),
];

describe('unify: set-based merge into clients', () => {
  let sim: Sim;
  let ingress: Awaited<ReturnType<typeof startIngress>>;
  let worker: Awaited<ReturnType<typeof startStagingWorker>>;
  const db = createDb(env.databaseUrl);
  const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });

  const waitRun = (id: string) =>
    waitFor(
      async () => {
        const r = await db.syncRun.findUnique({ where: { id: BigInt(id) } });
        if (r?.status === 'failed') throw new Error(`run ${id} failed: ${r.error}`);
        return r?.status === 'succeeded' ? r : null;
      },
      { timeoutMs: 30_000, message: `run ${id}` },
    );

  beforeAll(async () => {
    sim = await startSim();
    ingress = await startIngress(env);
    worker = await startStagingWorker(stagingConfig(env, sim, { UNIFY_MAX_IDENTIFIER_CARDINALITY: '25' }));
  });
  afterAll(async () => {
    await worker?.close();
    await ingress?.close();
    await sim?.close();
    await pool.end();
    await db.$disconnect();
  });

  it('merges overlapping identities, records conflicts, and a second unify is a no-op', async () => {
    await sim.ghlContacts({ count: SYNTHETIC, contacts: ghlExplicit });
    const sync = await ingress.api('POST', '/api/sync/ghl');
    await waitRun(sync.body.runs[0].run.id);

    await sim.stripeObjects({
      customers: [
        { id: 'cus_alice', email: 'ALICE@x.com', name: 'Alice S' },
        { id: 'cus_carol', email: 'carol@x.com', phone: '+57 300 111 0003', name: 'Carol' },
        { id: 'cus_carol2', email: 'carol@x.com', name: 'Carol' },
      ],
      charges: [
        { id: 'ch_1', amount: 125050, currency: 'cop', customer: 'cus_carol2', status: 'succeeded' },
        {
          id: 'ch_2',
          amount: 990,
          currency: 'usd',
          customer: null,
          receipt_email: 'alice@x.com',
          status: 'succeeded',
        },
      ],
      invoices: [{ id: 'in_1', customer: 'cus_alice', total: 5000, currency: 'usd', status: 'paid' }],
      subscriptions: [{ id: 'sub_1', customer: 'cus_alice', status: 'canceled' }],
    });
    const st = await ingress.api('POST', '/api/sync/stripe');
    await waitRun(st.body.runs[0].run.id);
    expect(await db.transaction.count()).toBe(2);
    expect((await db.transaction.findFirst({ where: { sourceId: 'ch_1' } }))!.amount!.toString()).toBe(
      '1250.5',
    );
    expect(await db.subscription.count()).toBe(1);
    // PayPal: five transactions over ~80 days -> several 31-day windows, two per page.
    const day = 86_400_000;
    const ppDate = (daysAgo: number) =>
      new Date(Date.now() - daysAgo * day).toISOString().replace(/\.\d{3}Z$/, '+0000');
    await sim.paypalTransactions(
      [80, 50, 49, 48, 5].map((d, i) => ({
        transaction_info: {
          transaction_id: `PP${i}TX0000000000`,
          transaction_initiation_date: ppDate(d),
          transaction_amount: { currency_code: 'USD', value: `${10 + i}.50` },
          transaction_status: 'S',
        },
        payer_info: { account_id: `PAYER${i}`, email_address: i === 4 ? 'Alice@x.com' : `payer${i}@pp.com` },
      })),
    );
    const pp = await ingress.api('POST', '/api/sync/paypal');
    const ppRun = await waitRun(pp.body.runs[0].run.id);
    expect(ppRun.counters).toMatchObject({ fetched: 5, inserted: 5, windows: 4 });
    expect((await sim.paypalState()).tokenRequests).toBe(1); // token cached across pages
    expect(
      (await db.transaction.findFirst({ where: { sourceId: 'PP4TX0000000000' } }))!.amount!.toString(),
    ).toBe('14.5');

    // ManyChat, way 1: flows' External Request calls (stored and enqueued as the ingress does).
    await deliverWebhook(db, worker.ctx.producer, 'manychat', 'external_request', 'mc-flow-1', {
      id: 'mc-bob',
      email: 'bob2@x.com',
      phone: '+57 300 111 0002',
      first_name: 'Bobby',
    });
    await deliverWebhook(db, worker.ctx.producer, 'manychat', 'external_request', 'mc-flow-2', {
      subscriber_id: 'mc-bobsmith',
      email: 'bobsmith@x.com',
    });
    await waitFor(async () => (await db.webhookEvent.count({ where: { status: 'processed' } })) === 2, {
      message: 'flow webhooks processed',
    });
    // Way 2: look up every email/phone other sources staged (ManyChat has no listing).
    await sim.manychatSubscribers([{ id: 'mc-alice', email: 'alice@x.com', first_name: 'Alice' }]);
    const mc = await ingress.api('POST', '/api/sync/manychat');
    const mcRun = await waitRun(mc.body.runs[0].run.id);
    expect(mcRun.counters).toMatchObject({ found: 1, inserted: 1 });
    const asked = (mcRun.counters as Record<string, number>).asked;
    // bob2@x.com / +573001110002 / bobsmith are known from the flows: never asked.
    expect(asked).toBe((await sim.manychatState()).lookups);
    const mc2 = await ingress.api('POST', '/api/sync/manychat');
    expect((await waitRun(mc2.body.runs[0].run.id)).counters).toMatchObject({ asked: 0 });
    expect((await sim.manychatState()).lookups).toBe(asked);
    expect(await db.manychatContactRaw.findUnique({ where: { subscriberId: 'mc-bob' } })).toMatchObject({
      via: 'flow',
      phoneE164: '+573001110002',
    });

    const pending = await ingress.api('GET', '/api/sync/pending');
    expect(pending.body.pending).toMatchObject({
      ghl_contacts_raw: SYNTHETIC + ghlExplicit.length,
      stripe_customers_raw: 3,
      manychat_contacts_raw: 3,
    });

    const u = await ingress.api('POST', '/api/sync/unify');
    expect(u.status).toBe(202);
    const run = await waitRun(u.body.run.id);
    const c = run.counters as Record<string, unknown>;
    // synthetic + alice + bob + 30 dummies + 30 shared-phone people + bobsmith (no dot stripping) + carol
    // + ManyChat's bob (same phone as GHL's bob, another email: two people) + 4 PayPal-only payers
    const expected = SYNTHETIC + 2 + 30 + 30 + 1 + 1 + 1 + 4;
    expect(await db.client.count()).toBe(expected);
    expect(c.clientsCreated).toBe(expected);
    expect(c.blocked).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'email', value: 'test@test.com' }),
        expect.objectContaining({ kind: 'phone', value: '+573009990001', reason: 'cardinality', seen: 30 }),
      ]),
    );

    const alice = await db.client.findUnique({ where: { email: 'alice@x.com' } });
    expect(alice).toMatchObject({
      stripeCustomerId: 'cus_alice',
      phoneE164: '+573001110001',
      ghlContactId: 'g-alice',
      manychatSubscriberId: 'mc-alice',
    });
    // Every source id it was matched by points at it.
    expect(await db.ghlContactRaw.count({ where: { clientId: alice!.id } })).toBe(1);
    expect(await db.manychatContactRaw.count({ where: { clientId: alice!.id } })).toBe(1);
    const carol = await db.client.findUnique({ where: { email: 'carol@x.com' } });
    expect(await db.stripeCustomerRaw.count({ where: { clientId: carol!.id } })).toBe(2);
    expect(await db.client.count({ where: { email: 'test@test.com' } })).toBe(0);
    expect(await db.client.count({ where: { phoneE164: '+573009990001' } })).toBe(0);
    expect(await db.client.findUnique({ where: { email: 'bobsmith@x.com' } })).not.toBeNull();

    // Same phone, different emails (GHL vs ManyChat): two clients and a conflict for review.
    const conflicts = await ingress.api('GET', '/api/sync/conflicts');
    expect(conflicts.body.conflicts).toHaveLength(1);
    const bob = await db.client.findUnique({ where: { email: 'bob.smith@x.com' } });
    const bob2 = await db.client.findUnique({ where: { email: 'bob2@x.com' } });
    expect(bob!.phoneE164).toBe('+573001110002');
    expect(bob2!.phoneE164).toBe('+573001110002');
    expect(conflicts.body.conflicts[0]).toMatchObject({
      clientId: String(bob!.id),
      field: 'email',
      existingValue: 'bob.smith@x.com',
      existingSource: 'ghl:g-bob',
      incomingValue: 'bob2@x.com',
      incomingSource: 'manychat',
      incomingSourceId: 'mc-bob',
      status: 'open',
    });
    expect((await ingress.api('GET', '/api/sync/pending')).body.pending).toMatchObject({
      ghl_contacts_raw: 0,
      stripe_customers_raw: 0,
      manychat_contacts_raw: 0,
    });

    // Second unify: nothing pending, nothing changes.
    const snapshot = await pool.query('SELECT id, email, phone_e164, updated_at FROM clients ORDER BY id');
    const u2 = await ingress.api('POST', '/api/sync/unify');
    const run2 = await waitRun(u2.body.run.id);
    expect(run2.counters).toMatchObject({ pendingRows: 0, merged: 0, clientsCreated: 0, conflicts: 0 });
    expect(
      (await pool.query('SELECT id, email, phone_e164, updated_at FROM clients ORDER BY id')).rows,
    ).toEqual(snapshot.rows);
    expect(await db.mergeConflict.count()).toBe(1);

    // "Use incoming": another client holds that email, so the answer offers a merge.
    const conflictId = conflicts.body.conflicts[0].id;
    const held = await ingress.api('POST', `/api/sync/conflicts/${conflictId}/resolve`, {
      choice: 'incoming',
    });
    expect(held.status).toBe(409);
    expect(held.body).toMatchObject({
      holderClientId: String(bob2!.id),
      merge: { path: '/api/sync/clients/merge', body: { into: String(bob!.id), from: String(bob2!.id) } },
    });
    const merged = await ingress.api('POST', held.body.merge.path, held.body.merge.body);
    expect(merged.status).toBe(200);
    await waitRun(merged.body.unify.run.id);
    expect(await db.client.findUnique({ where: { id: bob2!.id } })).toMatchObject({
      mergedInto: bob!.id,
      retiredAt: expect.any(Date),
    });
    expect(await db.manychatContactRaw.findUnique({ where: { subscriberId: 'mc-bob' } })).toMatchObject({
      clientId: bob!.id,
    });
    // Now the operator can take the incoming email.
    const resolved = await ingress.api('POST', `/api/sync/conflicts/${conflictId}/resolve`, {
      choice: 'incoming',
    });
    expect(resolved.status).toBe(200);
    expect((await db.client.findUnique({ where: { id: bob!.id } }))!.email).toBe('bob2@x.com');
    const again = await ingress.api('POST', `/api/sync/conflicts/${conflicts.body.conflicts[0].id}/resolve`, {
      choice: 'existing',
    });
    expect(again.status).toBe(409);

    // Incremental: one changed GHL contact is the only pending row, and only it is re-read.
    await sim.ghlContacts({
      contacts: [{ id: 'g-alice', email: 'alice@x.com', phone: '+573001110001', name: 'Alice B' }],
    });
    const s2 = await ingress.api('POST', '/api/sync/ghl');
    await waitRun(s2.body.runs[0].run.id);
    expect((await ingress.api('GET', '/api/sync/pending')).body.pending.ghl_contacts_raw).toBe(1);
    const u3 = await ingress.api('POST', '/api/sync/unify');
    const run3 = await waitRun(u3.body.run.id);
    expect(run3.counters).toMatchObject({ pendingRows: 1, merged: 1, clientsCreated: 0, conflicts: 0 });
    // The merge holds (one client fewer), and the email the operator chose stays.
    expect(await db.client.count({ where: { retiredAt: null } })).toBe(expected - 1);
    expect((await db.client.findUnique({ where: { id: bob!.id } }))!.email).toBe('bob2@x.com');

    // Payments follow their customer's client (Stripe id, else the receipt email).
    expect((await db.transaction.findFirst({ where: { sourceId: 'ch_1' } }))!.clientId).toBe(carol!.id);
    expect((await db.transaction.findFirst({ where: { sourceId: 'ch_2' } }))!.clientId).toBe(alice!.id);
    expect((await db.invoice.findFirst())!.clientId).toBe(alice!.id);
    expect((await db.transaction.findFirst({ where: { sourceId: 'PP4TX0000000000' } }))!.clientId).toBe(
      alice!.id,
    );

    // Stripe incremental: the next run asks only from the newest created it saw.
    await sim.stripeObjects({ customers: [{ id: 'cus_dave', email: 'dave@x.com' }] });
    const st2 = await ingress.api('POST', '/api/sync/stripe');
    const r2 = await waitRun(st2.body.runs[0].run.id);
    // created[gte]: the newest object already seen is read again (unchanged), nothing older is.
    expect(r2.counters).toMatchObject({ customers: 2, inserted: 1, updated: 0 });
    expect(await db.stripeCustomerRaw.count()).toBe(4);

    // Webhooks keep staging fresh between full syncs: each upserts the same raw tables.
    await deliverWebhook(db, worker.ctx.producer, 'ghl', 'ContactUpdate', 'ghl-wh-1', {
      type: 'ContactUpdate',
      locationId: 'sim-location',
      id: 'g-alice',
      email: 'alice@x.com',
      phone: '+573001110001',
      name: 'Alice C',
      webhookId: 'wh-1',
      timestamp: new Date().toISOString(),
    });
    await deliverWebhook(db, worker.ctx.producer, 'stripe', 'customer.created', 'evt_1', {
      id: 'evt_1',
      type: 'customer.created',
      data: { object: { id: 'cus_erin', object: 'customer', email: 'Erin@x.com', created: 1_767_300_000 } },
    });
    await deliverWebhook(db, worker.ctx.producer, 'paypal', 'PAYMENT.CAPTURE.COMPLETED', 'WH-1', {
      id: 'WH-1',
      event_type: 'PAYMENT.CAPTURE.COMPLETED',
      resource: { id: 'CAP123', status: 'COMPLETED', amount: { value: '20.00', currency_code: 'USD' } },
    });
    await deliverWebhook(db, worker.ctx.producer, 'paypal', 'BILLING.SUBSCRIPTION.ACTIVATED', 'WH-2', {
      id: 'WH-2',
      event_type: 'BILLING.SUBSCRIPTION.ACTIVATED',
      resource: { id: 'I-SUB1', status: 'ACTIVE', subscriber: { email_address: 'alice@x.com' } },
    });
    await waitFor(async () => (await db.webhookEvent.count({ where: { status: 'processed' } })) === 6, {
      message: 'webhooks processed',
    });
    expect((await db.ghlContactRaw.findUnique({ where: { ghlContactId: 'g-alice' } }))!.name).toBe('Alice C');
    expect(await db.stripeCustomerRaw.findUnique({ where: { stripeCustomerId: 'cus_erin' } })).toMatchObject({
      email: 'erin@x.com',
    });
    expect((await db.transaction.findFirst({ where: { sourceId: 'CAP123' } }))!.amount!.toString()).toBe(
      '20',
    );
    expect(
      await db.subscription.findFirst({ where: { source: 'paypal', sourceId: 'I-SUB1' } }),
    ).toMatchObject({
      status: 'ACTIVE',
      email: 'alice@x.com',
    });
  }, 60_000);

  it('rejects requests without an admin token', async () => {
    const res = await fetch(`${ingress.base}/api/sync/unify`, { method: 'POST' });
    expect(res.status).toBe(401);
  });
});
