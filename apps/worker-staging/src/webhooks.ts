import type { Db } from '@cauce/db';
import type { ghl, stripe } from '@cauce/providers';
import { loadWebhookEvent, settleWebhookEvent } from '@cauce/runtime';
import type pg from 'pg';
import type { StagingConfig } from './config.ts';
import { ghlRow } from './ghl-sync.ts';
import { manychatRow } from './manychat-sync.ts';
import { normalizeEmail } from './normalize.ts';
import { RAW_TABLES, upsertRaw } from './raw-upsert.ts';
import { STRIPE_TABLE, stripeRows } from './stripe-sync.ts';

const GHL_CONTACT_EVENTS = new Set([
  'ContactCreate',
  'ContactUpdate',
  'ContactTagUpdate',
  'ContactDndUpdate',
]);

/**
 * A stored GHL webhook (the ingress verified it) upserts the same raw table as the full sync,
 * so staging stays fresh between syncs. Contact webhooks are flat contacts.
 */
export async function handleGhlWebhook(db: Db, pool: pg.Pool, config: StagingConfig, webhookEventId: string) {
  const event = await loadWebhookEvent(db, webhookEventId);
  const body = event.payload as Record<string, unknown>;
  if (!GHL_CONTACT_EVENTS.has(String(body.type ?? event.eventType)) || typeof body.id !== 'string') {
    await settleWebhookEvent(db, webhookEventId, 'ignored');
    return { ignored: true };
  }
  const { type: _type, webhookId: _wid, timestamp: _ts, ...contact } = body;
  await upsertRaw(pool, RAW_TABLES.ghl, [ghlRow(contact as ghl.GhlContact, config)]);
  await settleWebhookEvent(db, webhookEventId, 'processed');
  return { upserted: body.id };
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
  db: Db,
  pool: pg.Pool,
  config: StagingConfig,
  webhookEventId: string,
) {
  const event = await loadWebhookEvent(db, webhookEventId);
  const obj = (event.payload as { data?: { object?: stripe.StripeObject } }).data?.object;
  const list = obj ? STRIPE_OBJECT_LIST[String(obj.object)] : undefined;
  if (!obj || !list || typeof obj.id !== 'string' || obj.deleted === true) {
    await settleWebhookEvent(db, webhookEventId, 'ignored');
    return { ignored: true };
  }
  await upsertRaw(pool, STRIPE_TABLE[list], stripeRows(list, [obj], config.DEFAULT_PHONE_REGION));
  await settleWebhookEvent(db, webhookEventId, 'processed');
  return { upserted: obj.id };
}

/**
 * PayPal events: captures/sales into transactions, BILLING.SUBSCRIPTION.* into subscriptions
 * (PayPal has no subscription listing without plan ids, so webhooks are where they come from).
 */
export async function handlePaypalWebhook(db: Db, pool: pg.Pool, webhookEventId: string) {
  const event = await loadWebhookEvent(db, webhookEventId);
  const body = event.payload as { event_type?: string; resource?: Record<string, unknown> };
  const type = String(body.event_type ?? event.eventType);
  const r = body.resource;
  if (!r || typeof r.id !== 'string') {
    await settleWebhookEvent(db, webhookEventId, 'ignored');
    return { ignored: true };
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
    await settleWebhookEvent(db, webhookEventId, 'ignored');
    return { ignored: true };
  }
  await settleWebhookEvent(db, webhookEventId, 'processed');
  return { upserted: r.id };
}

/**
 * ManyChat sends no webhooks of its own: its flows' External Request step posts the subscriber
 * ({{user_id}}, {{email}}, {{phone}}, …) to /api/webhooks/manychat. Every subscriber who passes
 * such a flow lands here.
 */
export async function handleManychatWebhook(
  db: Db,
  pool: pg.Pool,
  config: StagingConfig,
  webhookEventId: string,
) {
  const event = await loadWebhookEvent(db, webhookEventId);
  const body = event.payload as Record<string, unknown>;
  const subscriber = (
    body.subscriber && typeof body.subscriber === 'object' ? body.subscriber : body
  ) as Record<string, unknown>;
  const row = manychatRow(subscriber, 'flow', config);
  if (!row) {
    await settleWebhookEvent(db, webhookEventId, 'ignored', 'no subscriber id');
    return { ignored: true };
  }
  await upsertRaw(pool, RAW_TABLES.manychat, [row]);
  await settleWebhookEvent(db, webhookEventId, 'processed');
  return { upserted: row.subscriber_id };
}
