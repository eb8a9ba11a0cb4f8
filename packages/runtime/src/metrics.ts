import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** A registry with the default process metrics (CPU, memory, event loop, GC) and an app label. */
export function createRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Job metrics shared by every worker app (names from ARCHITECTURE.md). */
export function createJobMetrics(registry: Registry) {
  return {
    processed: new Counter({
      name: 'jobs_processed_total',
      help: 'Jobs that completed successfully',
      labelNames: ['queue', 'type'] as const,
      registers: [registry],
    }),
    failed: new Counter({
      name: 'jobs_failed_total',
      help: 'Job attempts that failed (final=true when no attempt is left)',
      labelNames: ['queue', 'type', 'final'] as const,
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'jobs_dead_lettered_total',
      help: 'Jobs copied to job_failures after their last attempt',
      labelNames: ['queue', 'type'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'job_duration_seconds',
      help: 'Time spent processing one job attempt',
      labelNames: ['queue', 'type', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}
export type JobMetrics = ReturnType<typeof createJobMetrics>;

export { Counter, Gauge, Histogram, Registry };
