import type { PgPool } from '@cauce/db';

/**
 * Whether Cauce has seen this Beds24 booking before: a row in `bookings` or an earlier webhook
 * event for it. A V2 webhook for a booking never seen is its CREATED event (docs/webhooks.md).
 * Both lookups are indexed (bookings.booking_id unique, webhook_events (provider, entity_id)).
 */
export async function beds24BookingSeen(pool: PgPool, bookingId: string): Promise<boolean> {
  const { rows } = await pool.query<{ seen: boolean }>({
    name: 'beds24-booking-seen',
    text: `SELECT EXISTS (SELECT 1 FROM bookings WHERE booking_id = $1)
               OR EXISTS (SELECT 1 FROM webhook_events WHERE provider = 'beds24' AND entity_id = $1) AS seen`,
    values: [bookingId],
  });
  return rows[0]?.seen ?? false;
}
