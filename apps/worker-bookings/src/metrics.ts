import {
  Counter,
  createProviderApiMetrics,
  Gauge,
  Histogram,
  LAST_SYNC_METRIC,
  type Logger,
  type Registry,
} from '@cauce/runtime';

export const SYNC_LABEL = 'beds24';

export function createBookingsMetrics(registry: Registry, log: Logger) {
  const registers = [registry];
  return {
    ...createProviderApiMetrics(registry, 'beds24', 'Beds24', log),
    credits: new Gauge({
      name: 'beds24_credits_remaining',
      help: 'Credits left in the Beds24 5-minute window, from the last response headers',
      registers,
    }),
    upserts: new Counter({
      name: 'beds24_bookings_upserted_total',
      help: 'Booking upserts by source (webhook, backfill) and outcome (inserted, updated, stale = older than stored)',
      labelNames: ['source', 'outcome'] as const,
      registers,
    }),
    fetchBatch: new Histogram({
      name: 'beds24_fetch_batch_size',
      help: 'Webhook jobs served by one GET /bookings (concurrent jobs share a request)',
      buckets: [1, 2, 5, 10, 20, 50, 100],
      registers,
    }),
    collapsed: new Counter({
      name: 'beds24_fetches_collapsed_total',
      help: 'Webhook jobs that skipped the fetch because a later-started fetch of the same booking already covered them',
      registers,
    }),
    lastSuccess: new Gauge({
      name: LAST_SYNC_METRIC,
      help: 'Unix time of the last successful sync (booking upsert or finished backfill)',
      labelNames: ['sync'] as const,
      registers,
    }),
  };
}
export type BookingsMetrics = ReturnType<typeof createBookingsMetrics>;
