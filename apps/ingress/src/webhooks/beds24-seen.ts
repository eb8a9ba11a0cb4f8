import type { PgPool } from '@cauce/db';
import { createBatchLoader } from '@cauce/runtime';

/**
 * Whether Cauce has seen these Beds24 bookings before: a row in `bookings` or an earlier webhook
 * event for it. A V2 webhook for a booking never seen is its CREATED event (docs/webhooks.md).
 * Both lookups are indexed (bookings.booking_id unique, webhook_events (provider, entity_id)).
 */
export async function beds24BookingsSeen(pool: PgPool, bookingIds: readonly string[]): Promise<boolean[]> {
  const { rows } = await pool.query<{ seen: boolean }>({
    name: 'beds24-bookings-seen',
    text: `SELECT EXISTS (SELECT 1 FROM bookings WHERE booking_id = t.id)
               OR EXISTS (SELECT 1 FROM webhook_events WHERE provider = 'beds24' AND entity_id = t.id) AS seen
           FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n) ORDER BY t.n`,
    values: [bookingIds],
  });
  return rows.map((r) => r.seen);
}

/**
 * One lookup per turn of the event loop for every V2 webhook that needs it (real V2 bodies do
 * not name their action, so every MODIFY asks): one query per batch instead of one round trip
 * per request. A failed query rejects every caller of its batch (each asks its sender to retry).
 */
export function beds24SeenLoader(pool: PgPool, maxBatch: number) {
  const loader = createBatchLoader<string, boolean>((ids) => beds24BookingsSeen(pool, ids), maxBatch);
  return (bookingId: string) => loader.load(bookingId);
}
