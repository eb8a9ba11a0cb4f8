import type { StoredWebhookEvent } from '@cauce/db';
import { beds24 } from '@cauce/providers';
import type { WebhookEventJob } from '@cauce/queues';
import { handleWebhookEventJob, lazyChild, type WebhookHandled } from '@cauce/runtime';
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
 * The event's lifecycle (skip if settled, settle, settle `failed` for good) is the runtime's; each
 * step goes through `s.batch`: jobs running together share one event query, one Beds24 request
 * and one upsert-and-settle, while this code still reads as one job's story.
 */
export async function handleBookingEvent(
  s: BookingsService,
  job: Job<WebhookEventJob>,
): Promise<BookingEventResult> {
  const out = await handleWebhookEventJob(
    job,
    s.batch.events,
    (event) => syncBooking(s, job, event),
    s.config,
  );
  if (out.status === 'already') return { outcome: 'already', status: out.settledAs };
  if (out.status === 'ignored') return { outcome: 'ignored', reason: out.reason };
  return out.result!;
}

type Synced = Exclude<BookingEventResult, { outcome: 'ignored' | 'already' }>;

async function syncBooking(
  s: BookingsService,
  job: Job<WebhookEventJob>,
  event: StoredWebhookEvent,
): Promise<WebhookHandled<Synced>> {
  const bookingId = bookingIdOf(job.data.entityId ?? event.entityId, event.payload);
  if (!bookingId) return { status: 'ignored', reason: 'no booking id in the event' };
  const log = lazyChild(s.log, { jobId: job.id, bookingId, webhookEventId: event.id.toString() });
  if (await s.collapser.isCovered(bookingId, event.receivedAt)) {
    s.metrics.collapsed.inc();
    log.debug('covered by a later fetch; skipped');
    return { status: 'processed', result: { outcome: 'collapsed', bookingId } };
  }
  const startedAt = Date.now();
  const fetched = await s.batch.fetch.load(bookingId);
  if (!fetched) {
    log.warn('booking not found at Beds24');
    return { status: 'ignored', reason: 'Beds24 has no booking with this id' };
  }
  const row = beds24.mapBooking({ booking: fetched.booking, messages: fetched.messages }, s.mapOptions);
  // Settles the event 'processed' in the same statement as the booking write.
  const upsert = await s.batch.upsert.load({
    row,
    bdStatus: beds24.bdStatusFor(event.eventType),
    eventAt: beds24.webhookEventTime(event.payload),
    webhookEventId: event.id,
  });
  // Only lets later webhooks skip their fetch: losing it costs a fetch, never data.
  await s.collapser
    .recordFetch(bookingId, startedAt)
    .catch((err) => log.warn({ err: (err as Error).message }, 'could not record the fetch for collapsing'));
  s.metrics.upserts.inc({ source: 'webhook', outcome: upsert });
  s.markSuccess();
  log.info({ upsert, status: row.status, eventType: event.eventType }, 'booking synced');
  return { status: 'processed', settled: true, result: { outcome: 'upserted', bookingId, upsert } };
}
