import type { Db } from '@cauce/db';
import type { Job } from 'bullmq';

/** Copies a job that will not be tried again into job_failures, where it outlives Redis trimming. */
export async function recordDeadLetter(db: Db, queue: string, job: Job, err: Error, attempts: number) {
  return db.jobFailure.create({
    data: {
      queue,
      jobName: job.name,
      jobId: job.id ?? null,
      data: (job.data ?? {}) as object,
      error: err.message || String(err),
      stack: err.stack ?? null,
      attempts,
    },
  });
}
