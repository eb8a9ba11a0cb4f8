import { toE164 } from '@cauce/providers';
import { createLogger, parseConfig } from '@cauce/runtime';
import { setupTestEnv, workerTestEnv } from '@cauce/testkit';
import { stagingEnv } from '@cauce/worker-staging/config';
import { manychatRow } from '@cauce/worker-staging/manychat-sync';
import { normalizeEmail } from '@cauce/worker-staging/normalize';
import { paypalPayerRows } from '@cauce/worker-staging/paypal-sync';
import { RAW_TABLES, upsertRaw } from '@cauce/worker-staging/raw-upsert';
import { runUnify } from '@cauce/worker-staging/unify';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startIngress } from '../ingress.ts';

/**
 * The merge rules of docs/staging.md, one case each (issue 18), on the real unify against
 * PostgreSQL: raw rows are staged with the same upsert the syncs use, then unify runs.
 */
const env = await setupTestEnv();
const config = parseConfig(
  stagingEnv,
  workerTestEnv(env, {
    MANYCHAT_STRIPE_CUSTOMER_FIELD_ID: '9001',
    MANYCHAT_GHL_CONTACT_FIELD_ID: '9002',
    UNIFY_MAX_IDENTIFIER_CARDINALITY: '5',
  }),
);
const log = createLogger('identity-test', 'silent');
const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });

type Rec = { id: string; email?: string; phone?: string; name?: string };
const keys = (r: Rec) => ({
  email: normalizeEmail(r.email),
  phone_e164: toE164(r.phone, ['CO']),
  name: r.name ?? null,
});
const stage = {
  ghl: (rs: Rec[]) =>
    upsertRaw(
      pool,
      RAW_TABLES.ghl,
      rs.map((r) => ({
        ghl_contact_id: r.id,
        location_id: 'L',
        ...keys(r),
        stripe_customer_ref: null,
        payload: r,
      })),
    ),
  stripe: (rs: Rec[]) =>
    upsertRaw(
      pool,
      RAW_TABLES.stripeCustomers,
      rs.map((r) => ({ stripe_customer_id: r.id, ...keys(r), source_created_at: null, payload: r })),
    ),
  manychat: (rs: Array<Record<string, unknown>>) =>
    upsertRaw(
      pool,
      RAW_TABLES.manychat,
      rs.flatMap((s) => {
        const row = manychatRow(s, 'flow', config);
        return row ? [row] : [];
      }),
    ),
  csv: (rs: Rec[]) =>
    upsertRaw(
      pool,
      RAW_TABLES.csv,
      rs.map((r) => ({
        import_id: 'imp',
        row_number: Number(r.id),
        ...keys(r),
        external_id: null,
        payload: r,
      })),
    ),
};

async function unify() {
  // The admin API's merge and split queue a unify run of their own (no worker here): run that one.
  const run = await pool.query<{ id: string }>(
    `WITH live AS (SELECT id FROM sync_runs WHERE source = 'unify' AND status IN ('queued', 'running')),
          added AS (INSERT INTO sync_runs (source, kind, status)
                    SELECT 'unify', 'unify', 'queued' WHERE NOT EXISTS (SELECT 1 FROM live) RETURNING id)
     SELECT id FROM live UNION ALL SELECT id FROM added`,
  );
  const counters = await runUnify(pool, config, run.rows[0]!.id, log);
  if ('skipped' in counters) throw new Error(`unify did not run: ${counters.skipped}`);
  return counters;
}

/** Every record's client, as "<source>:<id>" -> client id. */
async function clientOf(): Promise<Map<string, string | null>> {
  const rows = await pool.query<{ rec: string; client_id: string | null }>(
    `SELECT 'stripe:' || stripe_customer_id AS rec, client_id FROM stripe_customers_raw
     UNION ALL SELECT 'paypal:' || payer_id, client_id FROM paypal_payers_raw
     UNION ALL SELECT 'ghl:' || ghl_contact_id, client_id FROM ghl_contacts_raw
     UNION ALL SELECT 'manychat:' || subscriber_id, client_id FROM manychat_contacts_raw
     UNION ALL SELECT 'csv:' || row_number, client_id FROM csv_imports_raw`,
  );
  return new Map(rows.rows.map((r) => [r.rec, r.client_id]));
}

/** The partition as sorted groups of records (client ids themselves do not matter). */
async function partition(): Promise<string[][]> {
  const groups = new Map<string, string[]>();
  for (const [rec, cid] of await clientOf()) {
    const k = cid ?? `none:${rec}`;
    groups.set(k, [...(groups.get(k) ?? []), rec]);
  }
  return [...groups.values()].map((g) => g.sort()).sort((a, b) => a[0]!.localeCompare(b[0]!));
}

const together = async (...recs: string[]) => {
  const m = await clientOf();
  return new Set(recs.map((r) => m.get(r))).size === 1 && m.get(recs[0]!) !== null;
};
const conflicts = async () =>
  (
    await pool.query(
      'SELECT field, existing_value, incoming_value, incoming_source_id FROM merge_conflicts ORDER BY id',
    )
  ).rows;

describe('identity resolution: merge rules', () => {
  beforeAll(async () => {});
  afterAll(async () => {
    await pool.end();
  });
  beforeEach(async () => {
    await pool.query(`TRUNCATE ghl_contacts_raw, stripe_customers_raw, manychat_contacts_raw, csv_imports_raw,
      paypal_payers_raw, transactions, invoices, subscriptions, clients, merge_conflicts, identity_decisions,
      blocked_identifiers, csv_upload_chunks, csv_uploads, sync_runs`);
  });

  it('1. households: a shared phone never merges two different emails, and no chain does either', async () => {
    await stage.ghl([
      { id: 'ana', email: 'ana@x.com', phone: '+57 300 555 0101', name: 'Ana' },
      { id: 'luis', email: 'luis@x.com', phone: '3005550101', name: 'Luis' },
      // Same email, two phones: one person, one conflict on the phone.
      { id: 'eva1', email: 'eva@x.com', phone: '3005550201' },
      { id: 'eva2', email: ' EVA@x.com', phone: '3005550202' },
      // An email-less record on the household phone could be either: it stays alone.
      { id: 'nomail', phone: '(300) 555-0101' },
      // Dotted gmail addresses are different people; they share a phone: a household too.
      { id: 'jdoe', email: 'jdoe@gmail.com', phone: '3005550301' },
      { id: 'j.doe', email: 'j.doe@gmail.com', phone: '3005550301' },
    ]);
    // Chain: Marta (email m, phone p) - ManyChat record (no email, phone p, cross-ref to GHL 'pedro')
    // - Pedro (email q): the cross-ref ties the ManyChat record to Pedro, so the phone may not.
    await stage.ghl([
      { id: 'marta', email: 'marta@x.com', phone: '3005550401' },
      { id: 'pedro', email: 'pedro@x.com', phone: '3005550402' },
    ]);
    await stage.manychat([
      { id: 'mc-p', phone: '+573005550401', custom_fields: [{ id: 9002, value: 'pedro' }] },
    ]);
    const c = await unify();
    expect(await together('ghl:ana', 'ghl:luis')).toBe(false);
    expect(await together('ghl:eva1', 'ghl:eva2')).toBe(true);
    expect(await together('ghl:nomail', 'ghl:ana')).toBe(false);
    expect(await together('ghl:nomail', 'ghl:luis')).toBe(false);
    expect(await together('ghl:jdoe', 'ghl:j.doe')).toBe(false);
    expect(await together('manychat:mc-p', 'ghl:pedro')).toBe(true);
    expect(await together('ghl:marta', 'ghl:pedro')).toBe(false);
    const found = await conflicts();
    expect(found).toEqual(
      expect.arrayContaining([
        {
          field: 'email',
          existing_value: 'ana@x.com',
          incoming_value: 'luis@x.com',
          incoming_source_id: 'luis',
        },
        {
          field: 'phone_e164',
          existing_value: '+573005550201',
          incoming_value: '+573005550202',
          incoming_source_id: 'eva2',
        },
        expect.objectContaining({ field: 'shared_phone', incoming_source_id: 'nomail' }),
        expect.objectContaining({ field: 'email', incoming_value: 'j.doe@gmail.com' }),
        expect.objectContaining({
          field: 'email',
          existing_value: 'marta@x.com',
          incoming_value: 'pedro@x.com',
        }),
      ]),
    );
    expect(c.conflicts).toBe(found.length);
    // A second run changes nothing and asks nothing again.
    const again = await unify();
    expect(again).toMatchObject({
      merged: 0,
      clientsCreated: 0,
      clientsUpdated: 0,
      conflicts: 0,
      clientsRetired: 0,
    });
  });

  const chainData = {
    ghl: [
      { id: 'a', email: 'p1@x.com' },
      { id: 'b', email: 'p1@x.com', phone: '3005550501' },
      { id: 'd', email: 'p2@x.com', phone: '3005550601' },
    ],
    stripe: [
      { id: 'cus_c', phone: '+57 300 555 0501' }, // B–C by phone, C has no email
      { id: 'cus_e', email: 'p2@x.com' },
    ],
    csv: [
      { id: '1', phone: '300 555 0601' },
      { id: '2', email: 'p3@x.com', phone: '3005550601' }, // household with D
      { id: '3', phone: '3005550501', name: 'C again' },
    ],
  };
  type Step = () => Promise<unknown>;
  const steps: Step[] = [
    ...chainData.ghl.map((r) => () => stage.ghl([r])),
    ...chainData.stripe.map((r) => () => stage.stripe([r])),
    ...chainData.csv.map((r) => () => stage.csv([r])),
  ];

  it('2. A–B / B–C: the same partition whatever the order, and in increments', async () => {
    for (const s of steps) await s();
    await unify();
    const reference = await partition();
    expect(await together('ghl:a', 'ghl:b', 'stripe:cus_c', 'csv:3')).toBe(true);
    expect(await together('ghl:d', 'stripe:cus_e')).toBe(true);
    expect(await together('ghl:d', 'csv:2')).toBe(false);
    // csv:1 has only the household's phone: it could be either person, so it joins neither.
    expect(await together('ghl:d', 'csv:1')).toBe(false);
    expect(await together('csv:2', 'csv:1')).toBe(false);
    // Deterministic shuffles (a fixed LCG), all at once and one unify per row.
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const incremental of [false, true, false, true]) {
      await pool.query(
        `TRUNCATE ghl_contacts_raw, stripe_customers_raw, csv_imports_raw, clients, merge_conflicts`,
      );
      const order = [...steps].sort(() => rand() - 0.5);
      for (const s of order) {
        await s();
        if (incremental) await unify();
      }
      await unify();
      expect(await partition()).toEqual(reference);
    }
  });

  it('3. merge and split through the admin API, kept by later unify runs', async () => {
    const ingress = await startIngress(env);
    try {
      await stage.ghl([
        { id: 'x1', email: 'x@x.com', phone: '3005550701' },
        { id: 'x2', email: 'x@x.com' },
        { id: 'y1', email: 'y@x.com', phone: '3005550701' },
      ]);
      await unify();
      const m = await clientOf();
      const merged = await ingress.api('POST', '/api/sync/clients/merge', {
        into: m.get('ghl:x1'),
        from: m.get('ghl:y1'),
        note: 'same person, two emails',
      });
      expect(merged.status).toBe(200);
      expect(await together('ghl:x1', 'ghl:y1')).toBe(true); // at once, before any unify
      await unify();
      await unify();
      expect(await together('ghl:x1', 'ghl:x2', 'ghl:y1')).toBe(true);
      const split = await ingress.api('POST', `/api/sync/clients/${m.get('ghl:x1')}/split`, {
        record: 'ghl:x2',
      });
      expect(split.status).toBe(200);
      await unify();
      await unify();
      expect(await together('ghl:x1', 'ghl:y1')).toBe(true);
      expect(await together('ghl:x1', 'ghl:x2')).toBe(false);
      expect((await clientOf()).get('ghl:x1')).toBe(m.get('ghl:x1'));
      const audit = await ingress.api('GET', '/api/sync/decisions');
      expect(audit.body.decisions.map((d: { kind: string }) => d.kind)).toEqual(['split', 'merge']);
      const retired = await ingress.api('GET', `/api/sync/clients/${m.get('ghl:y1')}`);
      expect(retired.body.client).toMatchObject({ mergedInto: m.get('ghl:x1') });
      expect(retired.body.client.retiredAt).not.toBeNull();
    } finally {
      await ingress.close();
    }
  });

  it("4. stale clients: keys always come from the client's current records; an empty client is retired", async () => {
    await stage.ghl([{ id: 'g1', email: 'old@x.com', phone: '3005550801' }]);
    await stage.stripe([{ id: 'cus_new', email: 'new@x.com' }]);
    await unify();
    const before = await clientOf();
    // The GHL contact's email changes to the Stripe customer's: it moves there.
    await stage.ghl([{ id: 'g1', email: 'new@x.com', phone: '3005550801' }]);
    const c = await unify();
    expect(c.clientsRetired).toBe(1);
    expect(await together('ghl:g1', 'stripe:cus_new')).toBe(true);
    // The group keeps the Stripe customer's client (its best-ranked record); g1's old one is retired.
    const old = await pool.query('SELECT * FROM clients WHERE id = $1', [before.get('ghl:g1')]);
    expect(old.rows[0]).toMatchObject({
      email: null,
      ghl_contact_id: null,
      merged_into: before.get('stripe:cus_new'),
    });
    expect(old.rows[0].retired_at).not.toBeNull();
    const now = await pool.query('SELECT * FROM clients WHERE id = $1', [before.get('stripe:cus_new')]);
    expect(now.rows[0]).toMatchObject({
      email: 'new@x.com',
      ghl_contact_id: 'g1',
      phone_e164: '+573005550801',
    });
    expect(
      (await pool.query(`SELECT count(*)::int AS n FROM clients WHERE email = 'old@x.com'`)).rows[0].n,
    ).toBe(0);
  });

  it('5. PayPal payers are a contact source and their payments follow them', async () => {
    const items = [
      {
        transaction_info: { transaction_id: 'T1' },
        payer_info: {
          account_id: 'PAYERONLY',
          email_address: 'Solo@PP.com',
          phone_number: { country_code: '57', national_number: '3005550901' },
          payer_name: { given_name: 'Sol', surname: 'Paz' },
        },
      },
      {
        transaction_info: { transaction_id: 'T2' },
        payer_info: { account_id: 'PAYERGHL', email_address: 'ghl@x.com' },
      },
    ];
    await upsertRaw(pool, RAW_TABLES.paypalPayers, paypalPayerRows(items, 'CO'));
    await upsertRaw(pool, RAW_TABLES.transactions, [
      {
        source: 'paypal',
        source_id: 'T1',
        kind: 'paypal_transaction',
        customer_ref: 'PAYERONLY',
        email: 'solo@pp.com',
        amount: '5',
        currency: 'USD',
        status: 'S',
        source_created_at: null,
        payload: {},
      },
    ]);
    await stage.ghl([{ id: 'gp', email: 'ghl@x.com' }]);
    await unify();
    const m = await clientOf();
    expect(m.get('paypal:PAYERONLY')).not.toBeNull();
    expect(await together('paypal:PAYERGHL', 'ghl:gp')).toBe(true);
    const solo = await pool.query('SELECT * FROM clients WHERE id = $1', [m.get('paypal:PAYERONLY')]);
    expect(solo.rows[0]).toMatchObject({
      email: 'solo@pp.com',
      phone_e164: '+573005550901',
      name: 'Sol Paz',
    });
    const t = await pool.query(`SELECT client_id FROM transactions WHERE source_id = 'T1'`);
    expect(t.rows[0].client_id).toBe(m.get('paypal:PAYERONLY'));
    const pending = await pool.query(
      `SELECT count(*)::int AS n FROM paypal_payers_raw WHERE merged_at IS NULL OR fetched_at > merged_at`,
    );
    expect(pending.rows[0].n).toBe(0);
  });

  it('6. cross-references in configured ManyChat fields are keys', async () => {
    await stage.stripe([{ id: 'cus_9', email: 'buyer@x.com' }]);
    await stage.ghl([{ id: 'ghl-9', email: 'lead@x.com' }]);
    await stage.manychat([
      { id: 'mc-9', email: 'chat@x.com', custom_fields: [{ id: 9001, name: 'stripe', value: 'cus_9' }] },
      { id: 'mc-10', custom_fields: [{ id: 9002, name: 'ghl', value: ' ghl-9 ' }] },
      // An unconfigured field is never read.
      { id: 'mc-11', custom_fields: [{ id: 1234, value: 'cus_9' }] },
    ]);
    await unify();
    expect(await together('manychat:mc-9', 'stripe:cus_9')).toBe(true);
    expect(await together('manychat:mc-10', 'ghl:ghl-9')).toBe(true);
    expect(await together('manychat:mc-11', 'stripe:cus_9')).toBe(false);
    // Two emails in one client (the link says one person): the client keeps Stripe's, a conflict shows the other.
    expect(await conflicts()).toEqual([
      {
        field: 'email',
        existing_value: 'buyer@x.com',
        incoming_value: 'chat@x.com',
        incoming_source_id: 'mc-9',
      },
    ]);
  });

  it('7. rows that can never merge get a final state; the blocked report is complete; real numbers are not blocked', async () => {
    await stage.csv([
      { id: '1', email: 'test@test.com', name: 'Nobody' }, // denylisted, nothing else: unmergeable
      { id: '2', email: 'real@x.com', phone: '300 111 1111' }, // seven identical trailing digits: a real mobile
      { id: '3', phone: '+57 300 111 1111' },
    ]);
    // A placeholder phone on six unrelated people (limit 5): no key.
    await stage.ghl(
      Array.from({ length: 6 }, (_, i) => ({ id: `junk${i}`, email: `p${i}@x.com`, phone: '3000000000' })),
    );
    // A placeholder email on four people with four phones (more than UNIFY_MAX_PHONES_PER_EMAIL).
    await stage.ghl(
      Array.from({ length: 4 }, (_, i) => ({
        id: `ce${i}`,
        email: 'cliente@gmail.com',
        phone: `30055512${i}0`,
      })),
    );
    const c = await unify();
    expect(c.unmergeable).toBe(1);
    expect(c.unmergeableSample).toEqual(['csv:imp:1']);
    const row1 = await pool.query(`SELECT merged_at, client_id FROM csv_imports_raw WHERE row_number = 1`);
    expect(row1.rows[0].merged_at).not.toBeNull();
    expect(row1.rows[0].client_id).toBeNull();
    expect(await together('csv:2', 'csv:3')).toBe(true);
    expect(await together('ghl:ce0', 'ghl:ce1')).toBe(false);
    const blocked = (
      await pool.query('SELECT kind, value, reason, seen FROM blocked_identifiers ORDER BY kind, value')
    ).rows;
    expect(blocked).toEqual([
      { kind: 'email', value: 'cliente@gmail.com', reason: 'cardinality', seen: 4 },
      { kind: 'email', value: 'test@test.com', reason: 'denylist', seen: 1 },
      { kind: 'phone', value: '+573000000000', reason: 'cardinality', seen: 6 },
    ]);
    expect(c.blockedTotal).toBe(3);
    const pending = await pool.query(
      `SELECT count(*)::int AS n FROM csv_imports_raw WHERE merged_at IS NULL OR fetched_at > merged_at`,
    );
    expect(pending.rows[0].n).toBe(0);
  });
});
