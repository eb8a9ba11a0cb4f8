import type { RedisConnection } from '@cauce/runtime';

/** Where a BullMQ job stands: gone (never added, removed, or Redis lost it), still to run or running, or done. */
export type JobPresence = 'missing' | 'pending' | 'finished';

/**
 * The presence of many jobs in ONE round trip (a pipeline of HMGET on the jobs' hashes): a job
 * hash always has `timestamp`, and `finishedOn` once it completed or failed.
 */
export async function jobPresence(
  redis: RedisConnection,
  prefix: string,
  jobs: readonly { queue: string; jobId: string }[],
): Promise<JobPresence[]> {
  if (!jobs.length) return [];
  const pipe = redis.pipeline();
  for (const j of jobs) pipe.hmget(`${prefix}:${j.queue}:${j.jobId}`, 'timestamp', 'finishedOn');
  const replies = (await pipe.exec()) ?? [];
  return replies.map(([err, fields]) => {
    if (err) throw err;
    const [timestamp, finishedOn] = fields as [string | null, string | null];
    if (timestamp === null) return 'missing';
    return finishedOn === null ? 'pending' : 'finished';
  });
}
