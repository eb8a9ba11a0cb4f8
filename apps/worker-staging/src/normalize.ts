import { UNICODE_SPACE } from '@cauce/providers';

/**
 * Trimmed, lowercase, no Unicode whitespace. Nothing else: dots and +tags in the local part stay,
 * because the provider does not treat those addresses as equal.
 */
export function normalizeEmail(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const e = raw.replace(UNICODE_SPACE, '').toLowerCase();
  return /^[^@]+@[^@]+\.[^@]+$/.test(e) ? e : null;
}

/**
 * The value of a custom field by its id, as ManyChat (`custom_fields: [{id, name, value}]`) and
 * GoHighLevel (`customFields: [{id, value}]`) send them; null when the field is not configured,
 * absent or empty. Used for cross-references (a Stripe customer id kept in a ManyChat field).
 */
export function customFieldValue(fields: unknown, fieldId: string | undefined): string | null {
  if (!fieldId || !Array.isArray(fields)) return null;
  for (const f of fields) {
    if (!f || typeof f !== 'object') continue;
    const { id, value } = f as { id?: unknown; value?: unknown };
    if (String(id) !== fieldId) continue;
    const v =
      typeof value === 'string' || typeof value === 'number' ? String(value).replace(UNICODE_SPACE, '') : '';
    return v || null;
  }
  return null;
}

/** A payment's normalised keys, as the PayPal and Stripe mappers produce them. */
export interface TransactionKeys {
  source: string;
  sourceId: string | null;
  kind: string | null;
  customerRef: string | null;
  email: unknown;
  amount: string | null;
  currency: string | null;
  status: string | null;
  /** ISO 8601. */
  createdAt: string | null;
}

/** A `transactions` row (RAW_TABLES.transactions) from a payment's keys and the raw object. */
export function transactionRow(k: TransactionKeys, payload: unknown) {
  return {
    source: k.source,
    source_id: k.sourceId,
    kind: k.kind,
    customer_ref: k.customerRef,
    email: normalizeEmail(k.email),
    amount: k.amount,
    currency: k.currency,
    status: k.status,
    source_created_at: k.createdAt,
    payload,
  };
}
