import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from './client.ts';

/** What a dead letter keeps of a BullMQ job (a Job is one). */
export interface DeadJob {
  name: string;
  id?: string | undefined;
  data: unknown;
}

export interface DeadLetterOptions {
  /** How long to keep retrying the write while PostgreSQL is unreachable (ms). */
  retryForMs?: number;
  onRetry?: (err: unknown, attempt: number) => void;
  /** Masks secrets in the stored error and stack (viewers read them through the admin API). */
  scrub?: (text: string) => string;
}

/**
 * Copies a job that will not be tried again into job_failures, where it outlives Redis trimming.
 * The job's last attempt often failed *because* PostgreSQL is down, so the write itself is retried
 * (with backoff, up to `retryForMs`) instead of letting the dead letter vanish with the outage.
 */
export async function recordDeadLetter(
  db: Db,
  queue: string,
  job: DeadJob,
  err: Error,
  attempts: number,
  { retryForMs = 120_000, onRetry, scrub = (s) => s }: DeadLetterOptions = {},
) {
  const deadline = Date.now() + retryForMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.jobFailure.create({
        data: {
          queue,
          jobName: job.name,
          jobId: job.id ?? null,
          data: (job.data ?? {}) as object,
          error: scrub(err.message || String(err)),
          stack: err.stack ? scrub(err.stack) : null,
          attempts,
        },
      });
    } catch (writeErr) {
      if (Date.now() >= deadline) throw writeErr;
      onRetry?.(writeErr, attempt);
      await sleep(Math.min(250 * 2 ** (attempt - 1), 5_000));
    }
  }
}
