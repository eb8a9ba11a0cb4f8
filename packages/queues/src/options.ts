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
export const QUEUE_JOB_OPTIONS: Partial<Record<string, DefaultJobOptions>> = {};

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
