import {
  ghl,
  header,
  paypal,
  type paypal as paypalNs,
  secretEquals,
  stripe,
  type WebhookAuthResult,
} from '@cauce/providers';
import { QUEUES, type QueueName } from '@cauce/queues';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { IngressConfig } from '../config.ts';

/** What the intake needs to know about one event, read from its (validated) body. */
export interface EventInfo {
  eventType: string;
  entityId: string | null;
  /** The provider's own event id, when it has one (the dedupe key). */
  providerEventId?: string | null;
  providerTimestamp?: string | null;
  /**
   * What identifies the event when the body also carries delivery bookkeeping that changes between
   * redeliveries (Beds24's `retries`): hashed instead of the raw body for the dedupe key.
   */
  dedupeBody?: string;
  /** The event type is CREATED when the entity was never seen before, else `eventType` (Beds24 V2). */
  createdIfUnseen?: boolean;
}

export type Described = { ok: true; event: EventInfo } | { ok: false; error: string };

export interface WebhookProvider {
  name: 'beds24' | 'siigo' | 'stripe' | 'paypal' | 'ghl' | 'manychat';
  queue: QueueName;
  /** Route paths (a `:token` segment carries a secret path token). */
  paths: string[];
  /** Status that makes this provider retry: GoHighLevel retries only on 429. */
  retryStatus: 429 | 503;
  /** The variable an operator must set before this provider's webhooks are accepted, or null. */
  missingConfig: string | null;
  authenticate(req: FastifyRequest, raw: Buffer): WebhookAuthResult | Promise<WebhookAuthResult>;
  schema: z.ZodType;
  /** Reads the event out of a body that passed `schema`. */
  describe(body: never): Described;
}

const id = z.union([z.string().min(1).max(200), z.number().int()]).transform(String);
const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
const bearer = (req: FastifyRequest) =>
  /^Bearer\s+(.+)$/i.exec(header(req.headers, 'authorization') ?? '')?.[1];
const pathToken = (req: FastifyRequest) => (req.params as { token?: string }).token;
const tokenAuth = (given: string | undefined, expected: string | undefined): WebhookAuthResult =>
  expected && secretEquals(given ?? '', expected)
    ? { ok: true }
    : { ok: false, reason: given ? 'token does not match' : 'missing token' };

/** Beds24 `action` -> our event type (source document "Flujo: Actualización de Bookings"). */
export const BEDS24_ACTIONS: Record<string, 'CREATED' | 'MODIFY' | 'CANCEL'> = {
  created: 'CREATED',
  new: 'CREATED',
  modified: 'MODIFY',
  modify: 'MODIFY',
  cancelled: 'CANCEL',
  canceled: 'CANCEL',
  cancel: 'CANCEL',
};

const beds24Body = z.looseObject({
  action: z.string().max(50).optional(),
  status: z.string().max(50).optional(),
  id: id.optional(),
  bookingId: id.optional(),
  bookid: id.optional(),
  booking: z
    .looseObject({
      id: id.optional(),
      status: z.string().max(50).nullish(),
      modifiedTime: z.string().max(40).nullish(),
    })
    .optional(),
  timeStamp: z.string().max(40).optional(),
});

/** Delivery bookkeeping of a Beds24 webhook: differs between redeliveries of one event. */
const BEDS24_DELIVERY_FIELDS = new Set(['retries', 'timeStamp']);

/**
 * The event a Beds24 webhook describes. Legacy bodies (Cauce's old `action`, a V1-style `status`)
 * name it; the real V2 body `{timeStamp, booking, infoItems, invoiceItems, messages, retries}` does
 * not, so it is read from the booking: cancelled -> CANCEL, a booking never seen -> CREATED, else
 * MODIFY (the intake checks "never seen").
 */
export function describeBeds24(b: z.infer<typeof beds24Body>): Described {
  const bookingId = b.id ?? b.booking?.id ?? b.bookingId ?? b.bookid ?? null;
  if (!bookingId) return { ok: false, error: 'no booking id (id, booking.id or bookingId)' };
  const named = (b.action ?? b.status)?.toLowerCase();
  const status = b.booking?.status?.toLowerCase();
  const v2 = named === undefined && b.booking !== undefined;
  const eventType =
    named !== undefined
      ? // Own keys only: "constructor" or "__proto__" are unknown actions, not prototype lookups.
        Object.hasOwn(BEDS24_ACTIONS, named)
        ? BEDS24_ACTIONS[named]!
        : 'MODIFY'
      : status === 'cancelled' || status === 'canceled'
        ? 'CANCEL'
        : 'MODIFY';
  return {
    ok: true,
    event: {
      eventType,
      entityId: bookingId,
      // The booking's version, not the delivery's time (timeStamp may be restamped on a retry).
      providerTimestamp: b.booking?.modifiedTime ?? null,
      dedupeBody: JSON.stringify(
        Object.fromEntries(Object.entries(b).filter(([k]) => !BEDS24_DELIVERY_FIELDS.has(k))),
      ),
      createdIfUnseen: v2 && eventType === 'MODIFY',
    },
  };
}

const siigoBody = z.looseObject({
  topic: z.string().min(1).max(200),
  id: id,
  company_key: z.string().max(200).optional(),
  username: z.string().max(320).optional(),
  metadata: z.looseObject({ last_updated: z.string().max(40).optional() }).optional(),
});

const stripeBody = z.looseObject({
  id: z.string().regex(/^evt_[A-Za-z0-9_]+$/, 'a Stripe event id (evt_…)'),
  object: z.literal('event'),
  type: z.string().min(1).max(200),
  created: z.number().int(),
  data: z.looseObject({ object: z.looseObject({ id: z.string().max(200).optional() }) }),
});

const paypalBody = z.looseObject({
  id: z.string().min(1).max(200),
  event_type: z.string().min(1).max(200),
  create_time: z.string().max(40).optional(),
  resource: z.looseObject({ id: z.string().max(200).optional() }),
});

const ghlBody = z.looseObject({
  type: z.string().min(1).max(200),
  webhookId: z.string().max(200).optional(),
  timestamp: z.string().max(40).optional(),
  id: id.optional(),
  contactId: id.optional(),
  locationId: z.string().max(200).optional(),
});

const manychatBody = z.looseObject({
  event: z.string().max(100).optional(),
  id: id.optional(),
  subscriber_id: id.optional(),
  user_id: id.optional(),
  subscriber: z.looseObject({ id: id.optional() }).optional(),
});

export function createProviders(config: IngressConfig): WebhookProvider[] {
  const ghlKeys: ghl.GhlKeys = {
    ed25519: (config.GHL_WEBHOOK_PUBLIC_KEYS ?? [ghl.GHL_ED25519_PUBLIC_KEY]).map(ghl.parsePublicKey),
    rsa: config.GHL_WEBHOOK_RSA_PUBLIC_KEYS.map(ghl.parsePublicKey),
  };
  const paypalVerifier: paypalNs.PaypalWebhookVerifier | null = config.PAYPAL_WEBHOOK_ID
    ? new paypal.PaypalWebhookVerifier({
        webhookId: config.PAYPAL_WEBHOOK_ID,
        certHosts: config.PAYPAL_CERT_HOSTS,
        allowHttp: config.PAYPAL_CERT_ALLOW_HTTP,
      })
    : null;

  return [
    {
      name: 'beds24',
      queue: QUEUES.beds24Sync,
      paths: ['/api/webhooks/beds24', '/api/webhooks/beds24/:token'],
      retryStatus: 503,
      missingConfig: config.BEDS24_WEBHOOK_TOKEN ? null : 'BEDS24_WEBHOOK_TOKEN',
      authenticate: (req) => tokenAuth(bearer(req) ?? pathToken(req), config.BEDS24_WEBHOOK_TOKEN),
      schema: beds24Body,
      describe: describeBeds24,
    },
    {
      name: 'siigo',
      queue: QUEUES.siigoStock,
      paths: [
        '/api/webhooks/siigo',
        '/api/webhooks/siigo/:token',
        '/api/webhooks/receive',
        '/api/webhooks/receive/:token',
      ],
      retryStatus: 503,
      missingConfig: config.SIIGO_WEBHOOK_TOKEN ? null : 'SIIGO_WEBHOOK_TOKEN',
      authenticate: (req, raw) => {
        // Old subscriptions call /api/webhooks/receive with no token: with the migration flag on,
        // the company_key check below is what authenticates them.
        const legacy =
          config.SIIGO_WEBHOOK_LEGACY_RECEIVE &&
          !!config.SIIGO_COMPANY_KEY &&
          pathToken(req) === undefined &&
          req.routeOptions.url === '/api/webhooks/receive';
        const auth: WebhookAuthResult = legacy
          ? { ok: true }
          : tokenAuth(pathToken(req), config.SIIGO_WEBHOOK_TOKEN);
        if (!auth.ok || !config.SIIGO_COMPANY_KEY) return auth;
        // Account check as SIIGO integrators do; the body is parsed again after auth (cheap).
        let companyKey: unknown;
        try {
          companyKey = (JSON.parse(raw.toString('utf8')) as { company_key?: unknown }).company_key;
        } catch {
          return auth; // malformed JSON gets its 400 next
        }
        return secretEquals(str(companyKey) ?? '', config.SIIGO_COMPANY_KEY)
          ? auth
          : { ok: false, reason: 'company_key is not this account' };
      },
      schema: siigoBody,
      describe: (b: z.infer<typeof siigoBody>) => ({
        ok: true,
        event: { eventType: b.topic, entityId: b.id, providerTimestamp: b.metadata?.last_updated ?? null },
      }),
    },
    {
      name: 'stripe',
      queue: QUEUES.stagingStripe,
      paths: ['/api/webhooks/stripe'],
      retryStatus: 503,
      missingConfig: config.STRIPE_WEBHOOK_SECRETS.length ? null : 'STRIPE_WEBHOOK_SECRETS',
      authenticate: (req, raw) =>
        stripe.verifyStripeSignature(
          raw,
          header(req.headers, 'stripe-signature'),
          config.STRIPE_WEBHOOK_SECRETS,
        ),
      schema: stripeBody,
      describe: (b: z.infer<typeof stripeBody>) => ({
        ok: true,
        event: {
          eventType: b.type,
          entityId: b.data.object.id ?? null,
          providerEventId: b.id,
          providerTimestamp: String(b.created),
        },
      }),
    },
    {
      name: 'paypal',
      queue: QUEUES.stagingPaypal,
      paths: ['/api/webhooks/paypal'],
      retryStatus: 503,
      missingConfig: paypalVerifier ? null : 'PAYPAL_WEBHOOK_ID',
      authenticate: (req, raw) =>
        paypalVerifier
          ? paypalVerifier.verify(raw, {
              transmissionId: header(req.headers, 'paypal-transmission-id'),
              transmissionTime: header(req.headers, 'paypal-transmission-time'),
              transmissionSig: header(req.headers, 'paypal-transmission-sig'),
              certUrl: header(req.headers, 'paypal-cert-url'),
              authAlgo: header(req.headers, 'paypal-auth-algo'),
            })
          : { ok: false, reason: 'PAYPAL_WEBHOOK_ID is not configured' },
      schema: paypalBody,
      describe: (b: z.infer<typeof paypalBody>) => ({
        ok: true,
        event: {
          eventType: b.event_type,
          entityId: b.resource.id ?? null,
          providerEventId: b.id,
          providerTimestamp: b.create_time ?? null,
        },
      }),
    },
    {
      name: 'ghl',
      queue: QUEUES.stagingGhl,
      paths: ['/api/webhooks/ghl'],
      retryStatus: 429,
      missingConfig: ghlKeys.ed25519.length || ghlKeys.rsa.length ? null : 'GHL_WEBHOOK_PUBLIC_KEYS',
      authenticate: (req, raw) =>
        ghl.verifyGhlSignature(
          raw,
          header(req.headers, 'x-ghl-signature'),
          header(req.headers, 'x-wh-signature'),
          ghlKeys,
        ),
      schema: ghlBody,
      describe: (b: z.infer<typeof ghlBody>) => ({
        ok: true,
        event: {
          eventType: b.type,
          entityId: b.id ?? b.contactId ?? null,
          providerEventId: b.webhookId ?? null,
          providerTimestamp: b.timestamp ?? null,
        },
      }),
    },
    {
      name: 'manychat',
      queue: QUEUES.stagingManychat,
      paths: ['/api/webhooks/manychat', '/api/webhooks/manychat/:token'],
      retryStatus: 503,
      missingConfig: config.MANYCHAT_WEBHOOK_TOKEN ? null : 'MANYCHAT_WEBHOOK_TOKEN',
      authenticate: (req) =>
        tokenAuth(header(req.headers, 'x-cauce-token') ?? pathToken(req), config.MANYCHAT_WEBHOOK_TOKEN),
      schema: manychatBody,
      describe: (b: z.infer<typeof manychatBody>) => {
        const subscriber = b.subscriber?.id ?? b.id ?? b.subscriber_id ?? b.user_id ?? null;
        if (!subscriber)
          return { ok: false, error: 'no subscriber id (id, subscriber_id, user_id or subscriber.id)' };
        return { ok: true, event: { eventType: b.event ?? 'subscriber', entityId: subscriber } };
      },
    },
  ];
}
