import type pg from 'pg';

/** One staged row: the source's id, extracted keys, the whole payload. */
export interface RawColumn {
  name: string;
  /** PostgreSQL type of the column in jsonb_to_recordset. */
  type: 'text' | 'jsonb' | 'int4' | 'timestamptz' | 'numeric';
}

/** A raw table: its columns (constants, never user input) and the source-id conflict target. */
export interface RawTable {
  table: string;
  conflict: string[];
  columns: RawColumn[];
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/**
 * Idempotent batch upsert of one table: one statement with the batch as a single JSON
 * parameter (jsonb_to_recordset), so any batch size costs one round trip. A row whose payload did not change is
 * left alone (fetched_at stays), so it does not become pending for unify again.
 */
export async function upsertRaw(
  db: pg.ClientBase | pg.Pool,
  spec: RawTable,
  rows: Array<Record<string, unknown>>,
): Promise<UpsertCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  // ON CONFLICT cannot touch a row twice in one statement: keep the last version of each id.
  const byKey = new Map<string, Record<string, unknown>>();
  for (const r of rows) byKey.set(spec.conflict.map((c) => String(r[c])).join('\u0000'), r);
  const unique = [...byKey.values()];
  const cols = spec.columns.map((c) => `"${c.name}"`).join(', ');
  const types = spec.columns.map((c) => `"${c.name}" ${c.type === 'int4' ? 'int' : c.type}`).join(', ');
  const updates = spec.columns
    .filter((c) => !spec.conflict.includes(c.name))
    .map((c) => `"${c.name}" = EXCLUDED."${c.name}"`)
    .join(', ');
  // The whole batch travels as one JSON document (one native stringify, one parse in PostgreSQL).
  const text = `INSERT INTO "${spec.table}" (${cols})
    SELECT ${cols} FROM jsonb_to_recordset($1::jsonb) AS x(${types})
    ON CONFLICT (${spec.conflict.map((c) => `"${c}"`).join(', ')}) DO UPDATE SET ${updates}, "fetched_at" = now()
    WHERE "${spec.table}"."payload" IS DISTINCT FROM EXCLUDED."payload"
    RETURNING (xmax = 0) AS inserted`;
  const values = [JSON.stringify(unique)];
  const res = await db.query<{ inserted: boolean }>(text, values);
  const inserted = res.rows.filter((r) => r.inserted).length;
  return { inserted, updated: res.rows.length - inserted, unchanged: unique.length - res.rows.length };
}

/**
 * A table's spec from its columns, `name` (text) or `[name, type]`; every raw table ends with the
 * whole `payload` (jsonb), which decides whether an upsert changed the row.
 */
function raw(
  table: string,
  conflict: string[],
  columns: Array<string | [string, RawColumn['type']]>,
): RawTable {
  return {
    table,
    conflict,
    columns: [
      ...columns.map(
        (c): RawColumn => (typeof c === 'string' ? { name: c, type: 'text' } : { name: c[0], type: c[1] }),
      ),
      { name: 'payload', type: 'jsonb' },
    ],
  };
}

/** The keys unify matches contacts on (normalised by the sync that stages the row). */
const CONTACT = ['email', 'phone_e164', 'name'];
/** When the source created the object (Stripe and PayPal). */
const CREATED: [string, RawColumn['type']] = ['source_created_at', 'timestamptz'];

export const RAW_TABLES = {
  ghl: raw(
    'ghl_contacts_raw',
    ['ghl_contact_id'],
    ['ghl_contact_id', 'location_id', ...CONTACT, 'stripe_customer_ref'],
  ),
  manychat: raw(
    'manychat_contacts_raw',
    ['subscriber_id'],
    ['subscriber_id', ...CONTACT, 'via', 'stripe_customer_ref', 'ghl_contact_ref'],
  ),
  paypalPayers: raw('paypal_payers_raw', ['payer_id'], ['payer_id', ...CONTACT]),
  stripeCustomers: raw(
    'stripe_customers_raw',
    ['stripe_customer_id'],
    ['stripe_customer_id', ...CONTACT, CREATED],
  ),
  csv: raw(
    'csv_imports_raw',
    ['import_id', 'row_number'],
    ['import_id', ['row_number', 'int4'], ...CONTACT, 'external_id'],
  ),
  transactions: raw(
    'transactions',
    ['source', 'source_id'],
    [
      'source',
      'source_id',
      'kind',
      'customer_ref',
      'email',
      ['amount', 'numeric'],
      'currency',
      'status',
      CREATED,
    ],
  ),
  invoices: raw(
    'invoices',
    ['source', 'source_id'],
    ['source', 'source_id', 'customer_ref', 'email', 'status', 'currency', ['total', 'numeric'], CREATED],
  ),
  subscriptions: raw(
    'subscriptions',
    ['source', 'source_id'],
    ['source', 'source_id', 'customer_ref', 'email', 'status', CREATED],
  ),
} satisfies Record<string, RawTable>;
