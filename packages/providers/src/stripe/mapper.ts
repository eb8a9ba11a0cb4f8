import type { StripeObject } from './client.ts';

// Currencies Stripe counts in whole units (amounts are not cents).
const ZERO_DECIMAL = new Set('bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf'.split(' '));

/** Minor units -> decimal string (exact: no float division). */
export function fromMinor(amount: unknown, currency: unknown): string | null {
  if (typeof amount !== 'number' || !Number.isInteger(amount)) return null;
  if (typeof currency === 'string' && ZERO_DECIMAL.has(currency.toLowerCase())) return String(amount);
  const neg = amount < 0;
  const abs = String(Math.abs(amount)).padStart(3, '0');
  return `${neg ? '-' : ''}${abs.slice(0, -2)}.${abs.slice(-2)}`;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
const ref = (v: unknown) => (typeof v === 'string' ? v : str((v as { id?: unknown } | null)?.id));
const created = (o: StripeObject) => new Date(o.created * 1000).toISOString();

export function customerKeys(o: StripeObject) {
  return {
    stripeCustomerId: o.id,
    email: str(o.email),
    phone: str(o.phone),
    name: str(o.name),
    deleted: o.deleted === true,
    createdAt: typeof o.created === 'number' ? created(o) : null,
  };
}

/** A charge or payment intent as a transactions row (without payload). */
export function paymentKeys(o: StripeObject, kind: 'charge' | 'payment_intent') {
  const billing = (o.billing_details ?? {}) as { email?: unknown };
  return {
    source: 'stripe',
    kind,
    sourceId: o.id,
    customerRef: ref(o.customer),
    email: str(billing.email) ?? str(o.receipt_email),
    amount: fromMinor(kind === 'charge' ? o.amount : (o.amount_received ?? o.amount), o.currency),
    currency: str(o.currency)?.toUpperCase() ?? null,
    status: str(o.status),
    createdAt: created(o),
  };
}

export function invoiceKeys(o: StripeObject) {
  return {
    source: 'stripe',
    sourceId: o.id,
    customerRef: ref(o.customer),
    email: str(o.customer_email),
    status: str(o.status),
    currency: str(o.currency)?.toUpperCase() ?? null,
    total: fromMinor(o.total, o.currency),
    createdAt: created(o),
  };
}

export function subscriptionKeys(o: StripeObject) {
  return {
    source: 'stripe',
    sourceId: o.id,
    customerRef: ref(o.customer),
    email: null,
    status: str(o.status),
    createdAt: created(o),
  };
}
