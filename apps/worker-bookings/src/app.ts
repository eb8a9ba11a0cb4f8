import { JOBS, QUEUES } from '@cauce/queues';
import { type QueueHandler, startWorkerApp, type WorkerApp, type WorkerAppOptions } from '@cauce/runtime';
import { runBackfill } from './backfill.ts';
import { type BookingsConfig, beds24DisabledReason } from './config.ts';
import { type BookingsService, createBookingsService } from './service.ts';
import { handleBookingEvent } from './webhook-event.ts';

export const BOOKINGS_WORKER_PORT = 9101;

export interface BookingsWorker extends WorkerApp<BookingsConfig> {
  /** Null when Beds24 is disabled (no credentials). */
  bookings: BookingsService | null;
}

/**
 * worker-bookings: Beds24 booking webhooks (queue beds24-sync: re-fetch, map, upsert) and
 * backfills (beds24-backfill: page through the bookings list, resumable via sync_runs).
 */
export function bookingsWorkerOptions(
  config: BookingsConfig,
): WorkerAppOptions<BookingsConfig> & { service(): BookingsService | null } {
  const disabled = beds24DisabledReason(config);
  let service: BookingsService | null = null;
  return {
    service: () => service,
    name: 'worker-bookings',
    config,
    defaultPort: BOOKINGS_WORKER_PORT,
    // The job hot path is batched (one statement per batch of jobs), plus Prisma for backfills.
    defaultPoolMax: 6,
    metricQueues: [QUEUES.beds24Sync, QUEUES.beds24Backfill],
    handlers: (ctx): QueueHandler<BookingsConfig>[] => {
      if (disabled) return [];
      const s = createBookingsService(ctx);
      service = s;
      return [
        {
          queue: QUEUES.beds24Sync,
          concurrency: config.BEDS24_SYNC_CONCURRENCY,
          jobs: { [JOBS.webhookEvent]: (job) => handleBookingEvent(s, job) },
        },
        {
          queue: QUEUES.beds24Backfill,
          concurrency: 1,
          jobs: {
            [JOBS.beds24Backfill]: async (job) => {
              const run = await runBackfill(s, BigInt(job.data.runId), (p) => job.updateProgress(p));
              return { runId: run.id.toString(), processed: run.processed, status: run.status };
            },
          },
        },
      ];
    },
    onStart: (ctx) => {
      if (disabled) ctx.log.warn(disabled);
    },
    onClosed: () => service?.close(),
    health: () =>
      disabled ? { beds24: { enabled: false, message: disabled } } : { beds24: { enabled: true } },
  };
}

/** Starts worker-bookings in this process (tests, bench); main.ts uses runWorkerApp for signals. */
export async function startBookingsWorker(config: BookingsConfig): Promise<BookingsWorker> {
  const options = bookingsWorkerOptions(config);
  const app = await startWorkerApp(options);
  return Object.assign(app, { bookings: options.service() });
}
