import { beds24 } from '@cauce/providers';
import type { WebhookEventJob } from '@cauce/queues';
import { isFinalFailure, lazyChild, type WebhookOutcome } from '@cauce/runtime';
import type { Job } from 'bullmq';
import type { BookingsService } from './service.ts';
import type { UpsertOutcome } from './store.ts';

export type BookingEventResult =
  | { outcome: 'upserted'; bookingId: string; upsert: UpsertOutcome }
  | { outcome: 'collapsed'; bookingId: string }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'already'; status: string };

/** The booking id of a stored event: the job's entityId, else the payload (V2 body or V1 bookid). */
function bookingIdOf(entityId: string | null | undefined, payload: unknown): string | null {
  if (entityId) return entityId;
  const p = (payload ?? {}) as { booking?: { id?: unknown }; bookid?: unknown; bookingId?: unknown };
  const v = p.booking?.id ?? p.bookid ?? p.bookingId;
  return v === undefined || v === null || v === '' ? null : String(v);
}

/**
 * A Beds24 booking webhook (CREATED / MODIFY / CANCEL): the body is only a hint, so every kind
 * re-fetches the full booking (every status, with items and messages) and upserts it. A webhook
 * already covered by a later-started successful fetch of the same booking skips the fetch.
 * Each step goes through `s.batch`: jobs running together share one event query, one Beds24
 * request and one upsert-and-settle, while this code still reads as one job's story.
 */
export async function handleBookingEvent(
  s: BookingsService,
  job: Job<WebhookEventJob>,
): Promise<BookingEventResult> {
  const event = await s.batch.events.load.load(job.data.webhookEventId);
  const settle = (status: WebhookOutcome, error?: string) =>
    s.batch.events.settle.load({ id: event.id, status, error });
  if (event.status === 'processed' || event.status === 'ignored')
    return { outcome: 'already', status: event.status };
  const bookingId = bookingIdOf(job.data.entityId ?? event.entityId, event.payload);
  const log = lazyChild(s.log, { jobId: job.id, bookingId, webhookEventId: event.id.toString() });
  if (!bookingId) {
    await settle('ignored', 'no booking id in the event');
    return { outcome: 'ignored', reason: 'no booking id' };
  }
  try {
    if (await s.collapser.isCovered(bookingId, event.receivedAt)) {
      await settle('processed');
      s.metrics.collapsed.inc();
      log.debug('covered by a later fetch; skipped');
      return { outcome: 'collapsed', bookingId };
    }
    const startedAt = Date.now();
    const fetched = await s.batch.fetch.load(bookingId);
    if (!fetched) {
      await settle('ignored', 'Beds24 has no booking with this id');
      log.warn('booking not found at Beds24');
      return { outcome: 'ignored', reason: 'not found at Beds24' };
    }
    const row = beds24.mapBooking({ booking: fetched.booking, messages: fetched.messages }, s.mapOptions);
    // Settles the event 'processed' in the same statement as the booking write.
    const upsert = await s.batch.upsert.load({
      row,
      bdStatus: beds24.bdStatusFor(event.eventType),
      webhookEventId: event.id,
    });
    // Only lets later webhooks skip their fetch: losing it costs a fetch, never data.
    await s.collapser
      .recordFetch(bookingId, startedAt)
      .catch((err) => log.warn({ err: (err as Error).message }, 'could not record the fetch for collapsing'));
    s.metrics.upserts.inc({ source: 'webhook', outcome: upsert });
    s.markSuccess();
    log.info({ upsert, status: row.status, eventType: event.eventType }, 'booking synced');
    return { outcome: 'upserted', bookingId, upsert };
  } catch (err) {
    if (isFinalFailure(job, err, s.config)) await settle('failed', (err as Error).message);
    throw err;
  }
}
