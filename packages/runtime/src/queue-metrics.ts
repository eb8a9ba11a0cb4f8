import { Queue, type QueueOptions } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';

/** The BullMQ job states Cauce counts (queue gauges, the admin API's queue stats). */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
] as const;

/**
 * Per-queue depth by state and the age of the oldest waiting job, read from Redis at scrape
 * time (so every replica reports the same, current numbers). The oldest-waiting age is the
 * backlog signal operators alert on; queue_workers (from BullMQ's worker registry) says whether
 * anything consumes the queue at all.
 */
export function registerQueueMetrics(
  registry: Registry,
  queueNames: readonly string[],
  connection: QueueOptions['connection'],
  prefix?: string,
): { close(): Promise<void> } {
  const queues = queueNames.map((name) => new Queue(name, { connection, prefix }));
  // While Redis is away its commands queue up: a scrape then skips these series instead of hanging.
  const status = () => (connection as { status?: string }).status;
  const redisUp = () => status() === undefined || status() === 'ready';
  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs in the queue by state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      if (!redisUp()) return;
      await Promise.all(
        queues.map(async (q) => {
          const counts = await q.getJobCounts(...QUEUE_STATES);
          for (const s of QUEUE_STATES) this.set({ queue: q.name, state: s }, counts[s] ?? 0);
        }),
      );
    },
  });
  new Gauge({
    name: 'queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting to be processed (0 when none waits)',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      if (!redisUp()) return;
      const now = Date.now();
      await Promise.all(
        queues.map(async (q) => {
          const [oldest] = await q.getJobs(['wait'], 0, 0, true);
          this.set({ queue: q.name }, oldest ? Math.max(0, (now - oldest.timestamp) / 1000) : 0);
        }),
      );
    },
  });
  new Gauge({
    name: 'queue_workers',
    help: 'BullMQ workers connected to the queue (0: nothing consumes it)',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      if (!redisUp()) return;
      await Promise.all(queues.map(async (q) => this.set({ queue: q.name }, await q.getWorkersCount())));
    },
  });
  return { close: async () => void (await Promise.all(queues.map((q) => q.close()))) };
}
