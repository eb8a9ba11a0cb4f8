import { QUEUES } from '@cauce/queues';
import { z } from 'zod';
import {
  bearerToken,
  type Described,
  pathToken,
  tokenAuth,
  type WebhookSource,
  webhookId,
} from '../webhook-source.ts';

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

const body = z.looseObject({
  action: z.string().max(50).optional(),
  status: z.string().max(50).optional(),
  id: webhookId.optional(),
  bookingId: webhookId.optional(),
  bookid: webhookId.optional(),
  booking: z
    .looseObject({
      id: webhookId.optional(),
      status: z.string().max(50).nullish(),
      modifiedTime: z.string().max(40).nullish(),
    })
    .optional(),
  timeStamp: z.string().max(40).optional(),
});

/** The body without its delivery bookkeeping (`retries`, `timeStamp`), which differs between redeliveries. */
function withoutDelivery(b: Record<string, unknown>): string {
  const { retries: _r, timeStamp: _t, ...event } = b;
  return JSON.stringify(event);
}

/**
 * The event a Beds24 webhook describes. Legacy bodies (Cauce's old `action`, a V1-style `status`)
 * name it; the real V2 body `{timeStamp, booking, infoItems, invoiceItems, messages, retries}` does
 * not, so it is read from the booking: cancelled -> CANCEL, a booking never seen -> CREATED, else
 * MODIFY (the intake checks "never seen").
 */
export function describeBeds24(b: z.infer<typeof body>): Described {
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
      dedupeBody: withoutDelivery(b),
      createdIfUnseen: v2 && eventType === 'MODIFY',
    },
  };
}

export interface Beds24WebhookSettings {
  BEDS24_WEBHOOK_TOKEN?: string | undefined;
}

export const beds24Webhook: WebhookSource<Beds24WebhookSettings> = {
  name: 'beds24',
  title: 'Beds24',
  queue: QUEUES.beds24Sync,
  paths: ['/api/webhooks/beds24', '/api/webhooks/beds24/:token'],
  retryStatus: 503,
  authDoc: { description: '`Authorization: Bearer <BEDS24_WEBHOOK_TOKEN>` or the path token.' },
  schema: body,
  describe: describeBeds24,
  bind: (s) => ({
    missingConfig: s.BEDS24_WEBHOOK_TOKEN ? null : 'BEDS24_WEBHOOK_TOKEN',
    authenticate: (req) => tokenAuth(bearerToken(req) ?? pathToken(req), s.BEDS24_WEBHOOK_TOKEN),
  }),
};
