import { ALL_QUEUES, type Producer } from '@cauce/queues';
import { QUEUE_STATES } from '@cauce/runtime';
import { withTimeout } from '../with-timeout.ts';

export type QueueCounts = Record<(typeof QUEUE_STATES)[number], number>;
export interface QueueStat {
  name: string;
  paused: boolean;
  counts: QueueCounts;
  /** Age of the oldest waiting job (0: none waits). */
  oldestWaitingSeconds: number;
}

/** Every queue's job counts, paused flag and oldest waiting age (GET /api/admin/queues/stats, the overview). */
export async function readQueueStats(producer: Producer, timeoutMs: number): Promise<QueueStat[]> {
  const now = Date.now();
  return withTimeout(
    Promise.all(
      ALL_QUEUES.map(async (name) => {
        const q = producer.queue(name);
        const [counts, paused, oldest] = await Promise.all([
          q.getJobCounts(...QUEUE_STATES),
          q.isPaused(),
          q.getJobs(['wait'], 0, 0, true),
        ]);
        const first = oldest[0];
        return {
          name,
          paused,
          counts: Object.fromEntries(QUEUE_STATES.map((s) => [s, counts[s] ?? 0])) as QueueCounts,
          oldestWaitingSeconds: first ? Math.max(0, (now - first.timestamp) / 1000) : 0,
        };
      }),
    ),
    timeoutMs,
  );
}
