import type { DefaultJobOptions } from 'bullmq';

/**
 * Defaults for every job unless a queue overrides them: a few attempts with exponential
 * backoff, and bounded history in Redis (the dead-letter table keeps failures forever).
 */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { count: 1_000, age: 24 * 3600 },
  removeOnFail: { count: 5_000, age: 7 * 24 * 3600 },
};

/** Name of the custom backoff strategy workers register: delay = base * factor^(attemptsMade-1). */
export const GEOMETRIC_BACKOFF = 'geometric';

/** Per-queue overrides of DEFAULT_JOB_OPTIONS. */
export const QUEUE_JOB_OPTIONS: Partial<Record<string, DefaultJobOptions>> = {
  // Beds24 bookings (docs/bookings.md): 3 attempts = 2 retries after 5 s and 25 s (125 s would be a 3rd retry).
  'beds24-sync': {
    attempts: 3,
    backoff: { type: 'geometric-x5', delay: 5_000 },
    removeOnComplete: { count: 100 },
    removeOnFail: { count: 50 },
  },
  // A backfill resumes from its sync_runs checkpoint, so a retry continues rather than restarts.
  'beds24-backfill': {
    attempts: 3,
    backoff: { type: 'geometric-x5', delay: 5_000 },
    removeOnComplete: { count: 100 },
    removeOnFail: { count: 50 },
  },
  // A sync run that fails is simply the next tick's job; no retries, short history.
  'siigo-sync': { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  // Webhook hints outlive a SIIGO outage (circuit open): 5 s, 25 s, 125 s, 625 s, 3125 s.
  'siigo-stock': { attempts: 6, backoff: { type: 'geometric-x5', delay: 5_000 } },
  // A sync reads the whole file each time; a retry only helps with a database hiccup.
  'whatsapp-numbers': {
    attempts: 3,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: { count: 200 },
    removeOnFail: { count: 200 },
  },
  // Orders (docs/orders.md): 5 attempts, 5 s, 25 s, 125 s, 625 s; then the order waits for the sweep.
  'bigin-orders': {
    attempts: 5,
    backoff: { type: 'geometric-x5', delay: 5_000 },
    removeOnComplete: { count: 1_000 },
    removeOnFail: { count: 1_000 },
  },
  'callbell-notify': {
    attempts: 4,
    backoff: { type: 'geometric-x5', delay: 5_000 },
    removeOnComplete: { count: 1_000 },
    removeOnFail: { count: 1_000 },
  },
  'orders-sweep': { attempts: 1, removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } },
};

export function jobOptionsFor(queue: string): DefaultJobOptions {
  return { ...DEFAULT_JOB_OPTIONS, ...QUEUE_JOB_OPTIONS[queue] };
}

/**
 * BullMQ forbids ':' in custom job ids (it is its key separator) and integer-like ids.
 * Maps any dedupe key to a safe, stable job id.
 */
export function toJobId(key: string): string {
  const safe = key.replace(/:/g, '_');
  return /^\d+$/.test(safe) ? `id-${safe}` : safe;
}
