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

export const RAW_TABLES = {
  ghl: {
    table: 'ghl_contacts_raw',
    conflict: ['ghl_contact_id'],
    columns: [
      { name: 'ghl_contact_id', type: 'text' },
      { name: 'location_id', type: 'text' },
      { name: 'email', type: 'text' },
      { name: 'phone_e164', type: 'text' },
      { name: 'name', type: 'text' },
      { name: 'stripe_customer_ref', type: 'text' },
      { name: 'payload', type: 'jsonb' },
    ],
  },
  manychat: {
    table: 'manychat_contacts_raw',
    conflict: ['subscriber_id'],
    columns: [
      { name: 'subscriber_id', type: 'text' },
      { name: 'email', type: 'text' },
      { name: 'phone_e164', type: 'text' },
      { name: 'name', type: 'text' },
      { name: 'via', type: 'text' },
      { name: 'stripe_customer_ref', type: 'text' },
      { name: 'ghl_contact_ref', type: 'text' },
      { name: 'payload', type: 'jsonb' },
    ],
  },
  paypalPayers: {
    table: 'paypal_payers_raw',
    conflict: ['payer_id'],
    columns: [
      { name: 'payer_id', type: 'text' },
      { name: 'email', type: 'text' },
      { name: 'phone_e164', type: 'text' },
      { name: 'name', type: 'text' },
      { name: 'payload', type: 'jsonb' },
    ],
  },
  stripeCustomers: {
    table: 'stripe_customers_raw',
    conflict: ['stripe_customer_id'],
    columns: [
      { name: 'stripe_customer_id', type: 'text' },
      { name: 'email', type: 'text' },
      { name: 'phone_e164', type: 'text' },
      { name: 'name', type: 'text' },
      { name: 'source_created_at', type: 'timestamptz' },
      { name: 'payload', type: 'jsonb' },
    ],
  },
  csv: {
    table: 'csv_imports_raw',
    conflict: ['import_id', 'row_number'],
    columns: [
      { name: 'import_id', type: 'text' },
      { name: 'row_number', type: 'int4' },
      { name: 'email', type: 'text' },
      { name: 'phone_e164', type: 'text' },
      { name: 'name', type: 'text' },
      { name: 'external_id', type: 'text' },
      { name: 'payload', type: 'jsonb' },
    ],
  },
  transactions: {
    table: 'transactions',
    conflict: ['source', 'source_id'],
    columns: [
      { name: 'source', type: 'text' },
      { name: 'source_id', type: 'text' },
      { name: 'kind', type: 'text' },
      { name: 'customer_ref', type: 'text' },
      { name: 'email', type: 'text' },
      { name: 'amount', type: 'numeric' },
      { name: 'currency', type: 'text' },
      { name: 'status', type: 'text' },
      { name: 'source_created_at', type: 'timestamptz' },
      { name: 'payload', type: 'jsonb' },
    ],
  },
  invoices: {
    table: 'invoices',
    conflict: ['source', 'source_id'],
    columns: [
      { name: 'source', type: 'text' },
      { name: 'source_id', type: 'text' },
      { name: 'customer_ref', type: 'text' },
      { name: 'email', type: 'text' },
      { name: 'status', type: 'text' },
      { name: 'currency', type: 'text' },
      { name: 'total', type: 'numeric' },
      { name: 'source_created_at', type: 'timestamptz' },
      { name: 'payload', type: 'jsonb' },
    ],
  },
  subscriptions: {
    table: 'subscriptions',
    conflict: ['source', 'source_id'],
    columns: [
      { name: 'source', type: 'text' },
      { name: 'source_id', type: 'text' },
      { name: 'customer_ref', type: 'text' },
      { name: 'email', type: 'text' },
      { name: 'status', type: 'text' },
      { name: 'source_created_at', type: 'timestamptz' },
      { name: 'payload', type: 'jsonb' },
    ],
  },
} satisfies Record<string, RawTable>;
