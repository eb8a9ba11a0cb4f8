import type { Prisma } from '@cauce/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';
import { doc, errors, storedTime, VIEWER_AUTH } from '../http/schemas.ts';

/**
 * Beds24 bookings as worker-bookings stored them (docs/bookings.md, "Operator API"): search by
 * booking id, guest, phone and dates, and one booking with its charges, payments, messages and
 * the webhook events that touched it. Read-only; the backfill lives in admin/beds24-backfill.ts.
 */

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const searchQuery = z.object({
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .describe('booking id, part of the guest name, or part of the phone (digits)'),
  arrival_from: day.optional(),
  arrival_to: day.optional(),
  departure_from: day.optional(),
  departure_to: day.optional(),
  status: z.string().trim().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const bookingParams = z.object({ bookingId: z.string().regex(/^\d{1,20}$/, 'a Beds24 booking id') });

/** A date-only column as YYYY-MM-DD (the guest's stay, no time zone). */
const dateOnly = z.string().nullable();
const bookingSummary = z.object({
  bookingId: z.string(),
  guestName: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  status: z.string(),
  propertyId: z.string().nullable(),
  propertyName: z.string().nullable(),
  roomId: z.string().nullable(),
  arrival: dateOnly,
  departure: dateOnly,
  numNights: z.number().int().nullable(),
  totalPersons: z.number().int().nullable(),
  totalCharges: z.string(),
  totalPayments: z.string(),
  balance: z.string(),
  channel: z.string().nullable(),
  bdStatus: z.string(),
  modifiedDate: storedTime.nullable(),
  lastUpdatedBd: storedTime,
});
const bookingDetail = bookingSummary.extend({
  masterId: z.string().nullable(),
  basePrice: z.string().nullable(),
  apiReference: z.string().nullable(),
  notes: z.string().nullable(),
  charges: z.unknown(),
  payments: z.unknown(),
  messages: z.unknown(),
  infoItems: z.unknown(),
  createdAt: storedTime,
});
const eventView = z.object({
  id: z.string(),
  eventType: z.string(),
  status: z.string(),
  error: z.string().nullable(),
  attempts: z.number().int(),
  synthetic: z.boolean(),
  receivedAt: storedTime,
  processedAt: storedTime.nullable(),
  payload: z.unknown(),
});
const tags = ['bookings'];

type BookingRow = Prisma.BookingGetPayload<object>;
const ymd = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);
const summary = (b: BookingRow) => ({
  bookingId: b.bookingId,
  guestName: b.guestName,
  phone: b.phone,
  email: b.email,
  status: b.status,
  propertyId: b.propertyId,
  propertyName: b.propertyName,
  roomId: b.roomId,
  arrival: ymd(b.arrival),
  departure: ymd(b.departure),
  numNights: b.numNights,
  totalPersons: b.totalPersons,
  totalCharges: b.totalCharges.toFixed(2),
  totalPayments: b.totalPayments.toFixed(2),
  balance: b.balance.toFixed(2),
  channel: b.channel,
  bdStatus: b.bdStatus,
  modifiedDate: b.modifiedDate,
  lastUpdatedBd: b.lastUpdatedBd,
});

const range = (from?: string, to?: string): Prisma.DateTimeNullableFilter | undefined =>
  from || to
    ? {
        ...(from ? { gte: new Date(`${from}T00:00:00Z`) } : {}),
        ...(to ? { lte: new Date(`${to}T00:00:00Z`) } : {}),
      }
    : undefined;

/** What the search box means: a booking id (all digits, exact), part of a phone, or part of a name. */
function textFilter(q: string | undefined): Prisma.BookingWhereInput {
  if (!q) return {};
  const digits = q.replace(/[\s().+-]/g, '');
  const or: Prisma.BookingWhereInput[] = [{ guestName: { contains: q, mode: 'insensitive' } }];
  if (/^\d+$/.test(digits)) {
    or.push({ bookingId: digits });
    if (digits.length >= 4) or.push({ phone: { contains: digits } });
  }
  return { OR: or };
}

export async function bookingsRoutes(scope: FastifyInstance, { db }: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const viewer = app.requireRole('viewer');

  const searchSchema = {
    ...doc({
      summary: 'Search Beds24 bookings (arrival first, newest arrival first)',
      description:
        '`q` matches a booking id exactly, a phone by its digits, or part of the guest name; dates filter the stay (`YYYY-MM-DD`, inclusive).',
      tags,
      auth: 'viewer',
    }),
    querystring: searchQuery,
    response: {
      200: z
        .object({ total: z.number().int(), count: z.number().int(), bookings: z.array(bookingSummary) })
        .describe('a page of bookings'),
      ...VIEWER_AUTH,
    },
  };
  app.get('/api/bookings', { preValidation: viewer, schema: searchSchema }, async (req) => {
    const q = req.query;
    const arrival = range(q.arrival_from, q.arrival_to);
    const departure = range(q.departure_from, q.departure_to);
    const where: Prisma.BookingWhereInput = {
      ...textFilter(q.q),
      ...(arrival ? { arrival } : {}),
      ...(departure ? { departure } : {}),
      ...(q.status ? { status: q.status } : {}),
    };
    const [total, rows] = await Promise.all([
      db.booking.count({ where }),
      db.booking.findMany({
        where,
        orderBy: [{ arrival: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }],
        take: q.limit,
        skip: q.offset,
      }),
    ]);
    return { total, count: rows.length, bookings: rows.map(summary) };
  });

  const oneSchema = {
    ...doc({
      summary: 'One booking: charges, payments, messages and the webhook events that touched it',
      tags,
      auth: 'viewer',
    }),
    params: bookingParams,
    response: {
      200: z
        .object({ booking: bookingDetail, events: z.array(eventView) })
        .describe('the booking and its last 100 events, newest first'),
      ...errors({ 404: 'no such booking' }),
      ...VIEWER_AUTH,
    },
  };
  app.get('/api/bookings/:bookingId', { preValidation: viewer, schema: oneSchema }, async (req, reply) => {
    const b = await db.booking.findUnique({ where: { bookingId: req.params.bookingId } });
    if (!b)
      return reply
        .code(404)
        .send({ error: 'not_found', message: `no booking ${req.params.bookingId} is stored` });
    const events = await db.webhookEvent.findMany({
      where: { provider: 'beds24', entityId: b.bookingId },
      orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
      take: 100,
    });
    return {
      booking: {
        ...summary(b),
        masterId: b.masterId,
        basePrice: b.basePrice?.toFixed(2) ?? null,
        apiReference: b.apiReference,
        notes: b.notes,
        charges: b.charges,
        payments: b.payments,
        messages: b.messages,
        infoItems: b.infoItems,
        createdAt: b.createdAt,
      },
      events: events.map((e) => ({
        id: String(e.id),
        eventType: e.eventType,
        status: e.status,
        error: e.error,
        attempts: e.attempts,
        synthetic: e.synthetic,
        receivedAt: e.receivedAt,
        processedAt: e.processedAt,
        payload: e.payload,
      })),
    };
  });
}
