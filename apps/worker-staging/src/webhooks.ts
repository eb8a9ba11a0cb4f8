import type { StoredWebhookEvent } from '@cauce/db';
import type { ghl, stripe } from '@cauce/providers';
import type { WebhookHandled } from '@cauce/runtime';
import type pg from 'pg';
import type { StagingConfig } from './config.ts';
import { ghlRow } from './ghl-sync.ts';
import { manychatRow } from './manychat-sync.ts';
import { normalizeEmail } from './normalize.ts';
import { RAW_TABLES, upsertRaw } from './raw-upsert.ts';
import { STRIPE_TABLE, stripeRows } from './stripe-sync.ts';

/** What a staging webhook did; the runtime settles the event from it (handleWebhookEventJob). */
type Handled = WebhookHandled<{ upserted: string }>;
const IGNORED = 'not an event staging keeps';

const GHL_CONTACT_EVENTS = new Set([
  'ContactCreate',
  'ContactUpdate',
  'ContactTagUpdate',
  'ContactDndUpdate',
]);

/**
 * A stored GHL webhook (the ingress verified it) upserts the same raw table as the full sync,
 * so staging stays fresh between syncs. Contact webhooks are flat contacts. GHL signs every
 * account's webhooks with one platform key, so the signature does not say whose account sent it:
 * with GHL_LOCATION_ID set, another location's contacts are ignored, not staged.
 */
export async function handleGhlWebhook(
  pool: pg.Pool,
  config: StagingConfig,
  event: StoredWebhookEvent,
): Promise<Handled> {
  const body = event.payload as Record<string, unknown>;
  if (!GHL_CONTACT_EVENTS.has(String(body.type ?? event.eventType)) || typeof body.id !== 'string') {
    return { status: 'ignored', reason: IGNORED };
  }
  if (config.GHL_LOCATION_ID && body.locationId !== config.GHL_LOCATION_ID) {
    return { status: 'ignored', reason: 'another GHL location' };
  }
  const { type: _type, webhookId: _wid, timestamp: _ts, ...contact } = body;
  await upsertRaw(pool, RAW_TABLES.ghl, [ghlRow(contact as ghl.GhlContact, config)]);
  return { status: 'processed', result: { upserted: body.id } };
}

/** Stripe object type in an event -> the list it belongs to. */
const STRIPE_OBJECT_LIST: Record<string, stripe.StripeList> = {
  customer: 'customers',
  charge: 'charges',
  payment_intent: 'payment_intents',
  invoice: 'invoices',
  subscription: 'subscriptions',
};

/** A stored Stripe event upserts the object it carries (data.object) into its staging table. */
export async function handleStripeWebhook(
  pool: pg.Pool,
  config: StagingConfig,
  event: StoredWebhookEvent,
): Promise<Handled> {
  const obj = (event.payload as { data?: { object?: stripe.StripeObject } }).data?.object;
  // Own keys only: an object type named "constructor" must not find Object.prototype's.
  const type = String(obj?.object);
  const list = obj && Object.hasOwn(STRIPE_OBJECT_LIST, type) ? STRIPE_OBJECT_LIST[type] : undefined;
  if (!obj || !list || typeof obj.id !== 'string' || obj.deleted === true) {
    return { status: 'ignored', reason: IGNORED };
  }
  await upsertRaw(pool, STRIPE_TABLE[list], stripeRows(list, [obj], config.DEFAULT_PHONE_REGION));
  return { status: 'processed', result: { upserted: obj.id } };
}

/**
 * PayPal events: captures/sales into transactions, BILLING.SUBSCRIPTION.* into subscriptions
 * (PayPal has no subscription listing without plan ids, so webhooks are where they come from).
 */
export async function handlePaypalWebhook(pool: pg.Pool, event: StoredWebhookEvent): Promise<Handled> {
  const body = event.payload as { event_type?: string; resource?: Record<string, unknown> };
  const type = String(body.event_type ?? event.eventType);
  const r = body.resource;
  if (!r || typeof r.id !== 'string') {
    return { status: 'ignored', reason: IGNORED };
  }
  if (type.startsWith('BILLING.SUBSCRIPTION.')) {
    const subscriber = (r.subscriber ?? {}) as { email_address?: unknown };
    await upsertRaw(pool, RAW_TABLES.subscriptions, [
      {
        source: 'paypal',
        source_id: r.id,
        customer_ref: null,
        email: normalizeEmail(subscriber.email_address),
        status: typeof r.status === 'string' ? r.status : null,
        source_created_at: typeof r.create_time === 'string' ? r.create_time : null,
        payload: r,
      },
    ]);
  } else if (type.startsWith('PAYMENT.CAPTURE.') || type.startsWith('PAYMENT.SALE.')) {
    const amount = (r.amount ?? {}) as {
      value?: unknown;
      currency_code?: unknown;
      total?: unknown;
      currency?: unknown;
    };
    const value = amount.value ?? amount.total;
    await upsertRaw(pool, RAW_TABLES.transactions, [
      {
        source: 'paypal',
        source_id: r.id,
        kind: 'paypal_transaction',
        customer_ref: null,
        email: null,
        amount: typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? value : null,
        currency: (amount.currency_code ?? amount.currency ?? null) as string | null,
        status: typeof r.status === 'string' ? r.status : ((r.state as string | undefined) ?? null),
        source_created_at: typeof r.create_time === 'string' ? r.create_time : null,
        payload: r,
      },
    ]);
  } else {
    return { status: 'ignored', reason: IGNORED };
  }
  return { status: 'processed', result: { upserted: r.id } };
}

/**
 * ManyChat sends no webhooks of its own: its flows' External Request step posts the subscriber
 * ({{user_id}}, {{email}}, {{phone}}, …) to /api/webhooks/manychat. Every subscriber who passes
 * such a flow lands here.
 */
export async function handleManychatWebhook(
  pool: pg.Pool,
  config: StagingConfig,
  event: StoredWebhookEvent,
): Promise<Handled> {
  const body = event.payload as Record<string, unknown>;
  const subscriber = (
    body.subscriber && typeof body.subscriber === 'object' ? body.subscriber : body
  ) as Record<string, unknown>;
  const row = manychatRow(subscriber, 'flow', config);
  if (!row) {
    return { status: 'ignored', reason: 'no subscriber id' };
  }
  await upsertRaw(pool, RAW_TABLES.manychat, [row]);
  return { status: 'processed', result: { upserted: row.subscriber_id } };
}
