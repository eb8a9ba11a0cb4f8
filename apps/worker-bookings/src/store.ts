import type { Db } from '@cauce/db';
import type { beds24 } from '@cauce/providers';

export type UpsertOutcome = 'inserted' | 'updated' | 'stale';

/**
 * Upserts one booking by booking_id. The version check sits inside the statement (ON CONFLICT …
 * WHERE), so an older fetch that lands after a newer one changes nothing, even across workers.
 */
export async function upsertBooking(db: Db, r: beds24.BookingRow, bdStatus: string): Promise<UpsertOutcome> {
  const json = (v: unknown) => JSON.stringify(v ?? null);
  const rows = await db.$queryRaw<Array<{ inserted: boolean }>>`
    INSERT INTO bookings (booking_id, phone, guest_name, status, property_id, property_name, room_id,
      master_id, arrival, departure, num_nights, total_persons, total_charges, total_payments, balance,
      base_price, channel, email, api_reference, notes, modified_date, last_updated_bd, bd_status,
      charges, payments, messages, info_items, raw)
    VALUES (${r.bookingId}, ${r.phone}, ${r.guestName}, ${r.status}, ${r.propertyId}, ${r.propertyName},
      ${r.roomId}, ${r.masterId}, ${r.arrival}::date, ${r.departure}::date, ${r.numNights}::int,
      ${r.totalPersons}::int, ${r.totalCharges}::numeric, ${r.totalPayments}::numeric, ${r.balance}::numeric,
      ${r.basePrice}::numeric, ${r.channel}, ${r.email}, ${r.apiReference}, ${r.notes},
      ${r.modifiedDate}::timestamptz, now(), ${bdStatus}, ${json(r.charges)}::jsonb, ${json(r.payments)}::jsonb,
      ${json(r.messages)}::jsonb, ${json(r.infoItems)}::jsonb, ${json(r.raw)}::jsonb)
    ON CONFLICT (booking_id) DO UPDATE SET
      phone = EXCLUDED.phone, guest_name = EXCLUDED.guest_name, status = EXCLUDED.status,
      property_id = EXCLUDED.property_id, property_name = EXCLUDED.property_name, room_id = EXCLUDED.room_id,
      master_id = EXCLUDED.master_id, arrival = EXCLUDED.arrival, departure = EXCLUDED.departure,
      num_nights = EXCLUDED.num_nights, total_persons = EXCLUDED.total_persons,
      total_charges = EXCLUDED.total_charges, total_payments = EXCLUDED.total_payments,
      balance = EXCLUDED.balance, base_price = EXCLUDED.base_price, channel = EXCLUDED.channel,
      email = EXCLUDED.email, api_reference = EXCLUDED.api_reference, notes = EXCLUDED.notes,
      modified_date = EXCLUDED.modified_date, last_updated_bd = EXCLUDED.last_updated_bd,
      bd_status = EXCLUDED.bd_status, charges = EXCLUDED.charges, payments = EXCLUDED.payments,
      messages = EXCLUDED.messages, info_items = EXCLUDED.info_items, raw = EXCLUDED.raw
    WHERE bookings.modified_date IS NULL OR EXCLUDED.modified_date >= bookings.modified_date
    RETURNING (xmax = 0) AS inserted`;
  if (rows.length === 0) return 'stale';
  return rows[0]!.inserted ? 'inserted' : 'updated';
}
