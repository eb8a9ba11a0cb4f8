import { type PgPool, settleProcessedSql } from '@cauce/db';
import type { beds24 } from '@cauce/providers';

export type UpsertOutcome = 'inserted' | 'updated' | 'stale';

export interface BookingWrite {
  row: beds24.BookingRow;
  /** What wrote it: created | modified | cancelled (webhook) or backfill. */
  bdStatus: string;
  /** The webhook_events row this write answers: settled 'processed' by the same statement. */
  webhookEventId?: bigint;
  /**
   * When the webhook's event happened (its booking.modifiedTime, else timeStamp); null/absent for
   * backfills and events without a time. bd_status only follows an event at least as new as the
   * one that set it.
   */
  eventAt?: Date | null;
}

/** Column list of the recordset: names and types as in the bookings table. */
const COLUMNS = `booking_id text, phone text, guest_name text, status text, property_id text,
  property_name text, room_id text, master_id text, arrival date, departure date, num_nights int,
  total_persons int, total_charges numeric, total_payments numeric, balance numeric, base_price numeric,
  channel text, email text, api_reference text, notes text, modified_date timestamptz, bd_status text,
  charges jsonb, payments jsonb, messages jsonb, info_items jsonb, raw jsonb, bd_status_at timestamptz`;

const NAMES = COLUMNS.split(',').map((c) => c.trim().split(/\s+/)[0]!);

// bd_status never moves back to an older event's: a write without an event time (backfill, legacy
// bodies) always sets it; the newest event time seen is kept. Evaluated on the locked row, like the WHERE.
const BD_STATUS_SET = `bd_status = CASE
      WHEN EXCLUDED.bd_status_at IS NULL OR bookings.bd_status_at IS NULL
        OR EXCLUDED.bd_status_at >= bookings.bd_status_at THEN EXCLUDED.bd_status
      ELSE bookings.bd_status END,
    bd_status_at = GREATEST(bookings.bd_status_at, EXCLUDED.bd_status_at)`;

// The settle rides in the same statement (a data-modifying CTE): one round trip per batch, and
// the event is 'processed' exactly when its booking write committed.
const UPSERT = `
  WITH settled AS (${settleProcessedSql('$2')})
  INSERT INTO bookings (${NAMES.join(', ')}, last_updated_bd)
  SELECT ${NAMES.join(', ')}, now() FROM jsonb_to_recordset($1::jsonb) AS t(${COLUMNS})
  ON CONFLICT (booking_id) DO UPDATE SET
    ${NAMES.filter((n) => !['booking_id', 'bd_status', 'bd_status_at'].includes(n))
      .concat('last_updated_bd')
      .map((n) => `${n} = EXCLUDED.${n}`)
      .join(', ')},
    ${BD_STATUS_SET}
  WHERE bookings.modified_date IS NULL OR EXCLUDED.modified_date >= bookings.modified_date
  RETURNING booking_id, (xmax = 0) AS inserted`;

const record = ({ row: r, bdStatus, eventAt }: BookingWrite) => ({
  booking_id: r.bookingId,
  phone: r.phone,
  guest_name: r.guestName,
  status: r.status,
  property_id: r.propertyId,
  property_name: r.propertyName,
  room_id: r.roomId,
  master_id: r.masterId,
  arrival: r.arrival,
  departure: r.departure,
  num_nights: r.numNights,
  total_persons: r.totalPersons,
  total_charges: r.totalCharges,
  total_payments: r.totalPayments,
  balance: r.balance,
  base_price: r.basePrice,
  channel: r.channel,
  email: r.email,
  api_reference: r.apiReference,
  notes: r.notes,
  modified_date: r.modifiedDate,
  bd_status: bdStatus,
  charges: r.charges ?? [],
  payments: r.payments ?? [],
  messages: r.messages ?? [],
  info_items: r.infoItems ?? [],
  raw: r.raw ?? null,
  bd_status_at: eventAt ?? null,
});

const modified = (w: BookingWrite) => w.row.modifiedDate?.getTime() ?? -1;
const eventTime = (w: BookingWrite) => w.eventAt?.getTime() ?? Number.POSITIVE_INFINITY;
/** a is kept over b: a newer version, or the same version from a newer (or untimed) event. */
const supersedes = (a: BookingWrite, b: BookingWrite) =>
  modified(a) > modified(b) || (modified(a) === modified(b) && eventTime(a) >= eventTime(b));

/**
 * Upserts bookings by booking_id in one statement and says, per write, what happened. The writes'
 * webhook events (if any) are settled 'processed' in the same statement, stale or not. The
 * version check sits inside the statement (ON CONFLICT … WHERE), so an older fetch that lands
 * after a newer one changes nothing, even across workers. Two writes of one booking in the same batch
 * (one statement may touch a row only once) keep the newer, or of equal versions the one from the newer
 * event (then the later); the other is 'stale' when older, else shares the outcome. bd_status never
 * goes back to an older event's (BD_STATUS_SET).
 */
export async function upsertBookings(
  pool: PgPool,
  writes: readonly BookingWrite[],
): Promise<UpsertOutcome[]> {
  const kept = new Map<string, BookingWrite>();
  for (const w of writes) {
    const prev = kept.get(w.row.bookingId);
    if (!prev || supersedes(w, prev)) kept.set(w.row.bookingId, w);
  }
  if (!kept.size) return [];
  const events = writes.flatMap((w) => (w.webhookEventId === undefined ? [] : [String(w.webhookEventId)]));
  const { rows } = await pool.query<{ booking_id: string; inserted: boolean }>({
    name: 'bookings-upsert',
    text: UPSERT,
    values: [JSON.stringify([...kept.values()].map(record)), events],
  });
  const outcome = new Map(rows.map((r) => [r.booking_id, r.inserted ? 'inserted' : 'updated'] as const));
  return writes.map((w) => {
    const winner = kept.get(w.row.bookingId)!;
    if (w !== winner && modified(w) < modified(winner)) return 'stale';
    return outcome.get(w.row.bookingId) ?? 'stale';
  });
}

/** One booking (see upsertBookings). */
export async function upsertBooking(
  pool: PgPool,
  row: beds24.BookingRow,
  bdStatus: string,
): Promise<UpsertOutcome> {
  return (await upsertBookings(pool, [{ row, bdStatus }]))[0]!;
}
