import type { JobInput, JobName, JobQueue } from '@cauce/queues';
import { setSyncInterval } from './metrics.ts';
import type { WorkerContext } from './worker-app.ts';

/** A sync a worker runs on a period: its job, the scheduler's id and the sync's metric label. */
export interface ScheduledSync<N extends JobName> {
  queue: JobQueue<N>;
  job: N;
  data: JobInput<N>;
  /** Fixed: however many replicas upsert it, one schedule exists. */
  schedulerId: string;
  everyMs: number;
  /** The `sync` label of the sync's metrics. */
  label: string;
}

/**
 * Registers a sync's BullMQ job scheduler and exports its period, which the "no success in two
 * intervals" alert compares with the last success (an unscheduled sync exports none).
 */
export async function scheduleSync<N extends JobName>(
  ctx: WorkerContext,
  sync: ScheduledSync<N>,
): Promise<void> {
  await ctx.producer
    .queue(sync.queue)
    .upsertJobScheduler(sync.schedulerId, { every: sync.everyMs }, { name: sync.job, data: sync.data });
  setSyncInterval(ctx.registry, sync.label, sync.everyMs);
}
