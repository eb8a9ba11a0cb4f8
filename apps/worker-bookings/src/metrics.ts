import { Counter, Gauge, Histogram, type Registry } from '@cauce/runtime';

/** Name alerts use (prometheus/alerts.yml): do not rename. */
export const LAST_SYNC_METRIC = 'last_successful_sync_timestamp_seconds';
export const SYNC_LABEL = 'beds24';

export function createBookingsMetrics(registry: Registry) {
  const registers = [registry];
  return {
    apiCalls: new Counter({
      name: 'beds24_api_calls_total',
      help: 'HTTP requests to Beds24 by endpoint and status',
      labelNames: ['endpoint', 'status'] as const,
      registers,
    }),
    apiDuration: new Histogram({
      name: 'beds24_api_call_duration_seconds',
      help: 'Beds24 response time by endpoint',
      labelNames: ['endpoint'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
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
    collapsed: new Counter({
      name: 'beds24_fetches_collapsed_total',
      help: 'Webhook jobs that skipped the fetch because a later-started fetch of the same booking already covered them',
      registers,
    }),
    tokenRenewals: new Counter({
      name: 'beds24_token_renewals_total',
      help: 'Beds24 access tokens fetched by this process (reason: missing or expiring)',
      labelNames: ['reason'] as const,
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
