import { z } from 'zod';
import { toE164 } from '../phone.ts';

/**
 * Beds24 API V2 shapes (providers.md §1) and the pure mapping to a `bookings` row. Schemas are
 * loose: Beds24 adds fields over time, and every optional field may be missing or null.
 */
export const BEDS24_STATUSES = ['confirmed', 'request', 'new', 'cancelled', 'black', 'inquiry'] as const;
export type Beds24Status = (typeof BEDS24_STATUSES)[number];

const id = z.union([z.number(), z.string()]).transform(String);
const num = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((v) => {
    if (v === null || v === undefined || v === '') return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  });
const str = z.string().nullish();

export const beds24InvoiceItem = z.looseObject({
  id: id.optional(),
  bookingId: id.optional(),
  type: str,
  subType: z.unknown().optional(),
  description: str,
  qty: num,
  amount: num,
  lineTotal: num,
  createTime: str,
});
export type Beds24InvoiceItem = z.infer<typeof beds24InvoiceItem>;

export const beds24InfoItem = z.looseObject({
  id: id.optional(),
  bookingId: id.optional(),
  code: str,
  text: str,
  createTime: str,
});

export const beds24Message = z.looseObject({
  id: id.optional(),
  bookingId: id.optional(),
  time: str,
  message: str,
  source: str,
  read: z.unknown().optional(),
});
export type Beds24Message = z.infer<typeof beds24Message>;

export const beds24Booking = z.looseObject({
  id,
  propertyId: id.nullish(),
  roomId: id.nullish(),
  masterId: id.nullish(),
  status: z.string(),
  subStatus: str,
  arrival: str,
  departure: str,
  numAdult: num,
  numChild: num,
  title: str,
  firstName: str,
  lastName: str,
  email: str,
  phone: str,
  mobile: str,
  country2: str,
  notes: str,
  comments: str,
  price: num,
  channel: str,
  apiSource: str,
  apiReference: str,
  bookingTime: str,
  modifiedTime: str,
  cancelTime: str,
  invoiceItems: z.array(z.unknown()).nullish(),
  infoItems: z.array(z.unknown()).nullish(),
});
export type Beds24Booking = z.infer<typeof beds24Booking>;

/** GET /bookings envelope; `data` items are validated one by one so one odd booking cannot hide a page. */
export const beds24Envelope = z.looseObject({
  success: z.boolean(),
  type: z.string().optional(),
  count: z.number().optional(),
  pages: z
    .looseObject({ nextPageExists: z.boolean().default(false), nextPageLink: z.string().nullish() })
    .nullish(),
  data: z.array(z.unknown()).default([]),
  error: z.unknown().optional(),
});

export interface MapOptions {
  /** ISO-3166 alpha-2 country for phone numbers written without +prefix (BEDS24_DEFAULT_COUNTRY). */
  defaultCountry?: string;
  /** Beds24 propertyId -> display name (Beds24 bookings carry only the id). */
  propertyNames?: Record<string, string>;
}

/** One `bookings` row, ready for the upsert (money as strings with two decimals). */
export interface BookingRow {
  bookingId: string;
  phone: string | null;
  guestName: string | null;
  status: string;
  propertyId: string | null;
  propertyName: string | null;
  roomId: string | null;
  masterId: string | null;
  arrival: string | null;
  departure: string | null;
  numNights: number | null;
  totalPersons: number | null;
  totalCharges: string;
  totalPayments: string;
  balance: string;
  basePrice: string | null;
  channel: string | null;
  email: string | null;
  apiReference: string | null;
  notes: string | null;
  modifiedDate: Date | null;
  charges: unknown[];
  payments: unknown[];
  messages: unknown[];
  infoItems: unknown[];
  raw: unknown;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Collapses Unicode whitespace and composes accents (NFC); empty becomes null. */
export function cleanText(s: string | null | undefined): string | null {
  if (typeof s !== 'string') return null;
  const out = s.normalize('NFC').replace(/\s+/gu, ' ').trim();
  return out === '' ? null : out;
}

export function guestName(b: Pick<Beds24Booking, 'firstName' | 'lastName'>): string | null {
  return cleanText([b.firstName, b.lastName].filter(Boolean).join(' '));
}

/** Whole nights between two YYYY-MM-DD dates (null when either is missing or the order is wrong). */
export function nightsBetween(arrival: string | null | undefined, departure: string | null | undefined) {
  if (!arrival || !departure || !DATE.test(arrival) || !DATE.test(departure)) return null;
  const n = Math.round(
    (Date.parse(`${departure}T00:00:00Z`) - Date.parse(`${arrival}T00:00:00Z`)) / 86_400_000,
  );
  return n >= 0 ? n : null;
}

/**
 * E.164 for the guest's phone: mobile first (what messaging needs), then phone. A number without
 * a + is read in the booking's country (country2), else the configured default. Null when invalid.
 */
export function extractPhone(
  b: Pick<Beds24Booking, 'phone' | 'mobile' | 'country2'>,
  defaultCountry?: string,
): string | null {
  for (const candidate of [b.mobile, b.phone]) {
    const e164 = toE164(candidate, [b.country2, defaultCountry]);
    if (e164) return e164;
  }
  return null;
}

const cents = (n: number) => Math.round(n * 100);
const money = (c: number) => (c / 100).toFixed(2);

/** An invoice item's total: lineTotal when Beds24 gives it, else qty × amount. */
export function itemTotal(item: Beds24InvoiceItem): number {
  if (item.lineTotal !== null) return item.lineTotal;
  return (item.qty ?? 1) * (item.amount ?? 0);
}

export interface BookingWithItems {
  booking: unknown;
  /** Beside the booking (webhook V2 shape) or null to use the booking's own nested arrays. */
  invoiceItems?: unknown[] | null;
  infoItems?: unknown[] | null;
  messages?: unknown[] | null;
}

/** Maps one Beds24 booking (with its invoice items, info items and messages) to a bookings row. */
export function mapBooking(input: BookingWithItems, opts: MapOptions = {}): BookingRow {
  const b = beds24Booking.parse(input.booking);
  const items = (input.invoiceItems ?? b.invoiceItems ?? []).map((i) => beds24InvoiceItem.parse(i));
  const charges = items.filter((i) => i.type !== 'payment');
  const payments = items.filter((i) => i.type === 'payment');
  const chargeCents = charges.reduce((a, i) => a + cents(itemTotal(i)), 0);
  const paymentCents = payments.reduce((a, i) => a + cents(itemTotal(i)), 0);
  const persons = b.numAdult === null && b.numChild === null ? null : (b.numAdult ?? 0) + (b.numChild ?? 0);
  const modified = beds24Time(b.modifiedTime);
  const propertyId = b.propertyId ?? null;
  return {
    bookingId: b.id,
    phone: extractPhone(b, opts.defaultCountry),
    guestName: guestName(b),
    status: b.status,
    propertyId,
    propertyName: (propertyId && opts.propertyNames?.[propertyId]) || null,
    roomId: b.roomId ?? null,
    masterId: b.masterId ?? null,
    arrival: b.arrival && DATE.test(b.arrival) ? b.arrival : null,
    departure: b.departure && DATE.test(b.departure) ? b.departure : null,
    numNights: nightsBetween(b.arrival, b.departure),
    totalPersons: persons,
    totalCharges: money(chargeCents),
    totalPayments: money(paymentCents),
    balance: money(chargeCents - paymentCents),
    basePrice: b.price === null ? null : money(cents(b.price)),
    channel: cleanText(b.channel) ?? cleanText(b.apiSource)?.toLowerCase() ?? null,
    email: cleanText(b.email)?.toLowerCase() ?? null,
    apiReference: cleanText(b.apiReference),
    notes: cleanText(b.notes),
    modifiedDate: modified,
    charges,
    payments,
    messages: (input.messages ?? []).map((m) => beds24Message.parse(m)),
    infoItems: (input.infoItems ?? b.infoItems ?? []).map((i) => beds24InfoItem.parse(i)),
    raw: input.booking,
  };
}

/** Event types the ingress derives from Beds24 webhooks (webhook-event jobs). */
export const BEDS24_EVENT_TYPES = ['CREATED', 'MODIFY', 'CANCEL'] as const;
export type Beds24EventType = (typeof BEDS24_EVENT_TYPES)[number];

/** A Beds24 time ("2024-05-28T12:34:56Z" or with a space), or null when absent or unreadable. */
export function beds24Time(s: unknown): Date | null {
  if (typeof s !== 'string' || !s) return null;
  const d = new Date(s.replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * When a stored booking webhook's event happened: the booking version it describes
 * (`booking.modifiedTime`), else the webhook's `timeStamp`; null for bodies with neither (V1).
 */
export function webhookEventTime(payload: unknown): Date | null {
  const p = (payload ?? {}) as { booking?: { modifiedTime?: unknown }; timeStamp?: unknown };
  return beds24Time(p.booking?.modifiedTime) ?? beds24Time(p.timeStamp);
}

/** bd_status written for each event type. */
export function bdStatusFor(eventType: string): string {
  if (eventType === 'CREATED') return 'created';
  if (eventType === 'CANCEL') return 'cancelled';
  return 'modified';
}
