import { registered } from '@cauce/base';
import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from './logger.ts';

/**
 * A role's registry: every series labelled with its app (and `process`, the role, so one
 * all-in-one scrape tells the roles apart). `processMetrics`: Node's default process metrics
 * (CPU, memory, event loop, GC); in all-in-one mode they are collected once for the whole process
 * (`createProcessRegistry`), not repeated under every role.
 */
export function createRegistry(
  app: string,
  { processMetrics = true }: { processMetrics?: boolean } = {},
): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app, process: app });
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

/** The all-in-one process's own registry: Node's process metrics once, labelled `process="all"`. */
export function createProcessRegistry(name = 'all'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app: name, process: name });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** What a /metrics route serves: one registry, or several merged (`mergeRegistries`). */
export interface MetricsSource {
  contentType: string;
  metrics(): Promise<string>;
}

/**
 * Several registries as one exposition: series of the same name from different roles become one
 * metric family (one HELP/TYPE), told apart by their `app`/`process` labels. Prometheus refuses a
 * family repeated in one scrape, so plain concatenation would not do.
 */
export function mergeRegistries(registries: () => readonly Registry[]): MetricsSource {
  return {
    contentType: Registry.PROMETHEUS_CONTENT_TYPE,
    async metrics() {
      const all = await Promise.all(registries().map((r) => r.getMetricsAsJSON()));
      // The labels differ between registries, so "sum" only groups the families and adds nothing
      // up; the defaults (e.g. "omit" for the process start time) are meant for cluster workers.
      for (const metric of all.flat()) metric.aggregator = 'sum';
      return AggregatorRegistry.aggregate(all).metrics();
    },
  };
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
    rateLimited: new Counter({
      name: 'jobs_rate_limited_total',
      help: 'Job attempts handed back to the queue because the provider asked to wait (Retry-After, credits); no attempt counted',
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

/** Name alerts use (prometheus/alerts.yml): Unix time of a sync's last success, by `sync` label. */
export const LAST_SYNC_METRIC = 'last_successful_sync_timestamp_seconds';

/** Name alerts use (prometheus/alerts.yml): the period of a scheduled sync, by the same `sync` label
 *  as `last_successful_sync_timestamp_seconds`, so one rule covers every schedule. */
export const SYNC_INTERVAL_METRIC = 'sync_interval_seconds';

/**
 * Exports the period of a scheduled sync. Call it where the job scheduler is registered: a sync
 * without a schedule exports no interval, so the "not succeeded in two intervals" alert skips it.
 */
export function setSyncInterval(registry: Registry, sync: string, intervalMs: number): void {
  const gauge = registered(
    registry,
    SYNC_INTERVAL_METRIC,
    () =>
      new Gauge({
        name: SYNC_INTERVAL_METRIC,
        help: 'Period of a scheduled sync (seconds); alerts compare it with last_successful_sync_timestamp_seconds',
        labelNames: ['sync'] as const,
        registers: [registry],
      }),
  );
  gauge.set({ sync }, intervalMs / 1000);
}

/**
 * One provider API's client metrics (`<provider>_api_calls_total`, `_api_call_duration_seconds`,
 * `_token_renewals_total`) and the client hooks that feed them.
 */
export function createProviderApiMetrics(registry: Registry, provider: string, label: string, log: Logger) {
  const registers = [registry];
  const apiCalls = new Counter({
    name: `${provider}_api_calls_total`,
    help: `HTTP requests to ${label} by endpoint and status`,
    labelNames: ['endpoint', 'status'] as const,
    registers,
  });
  const apiDuration = new Histogram({
    name: `${provider}_api_call_duration_seconds`,
    help: `${label} response time by endpoint`,
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers,
  });
  const tokenRenewals = new Counter({
    name: `${provider}_token_renewals_total`,
    help: `${label} access tokens fetched by this process (reason: missing or expiring)`,
    labelNames: ['reason'] as const,
    registers,
  });
  return {
    apiCalls,
    apiDuration,
    tokenRenewals,
    onCall: ({ endpoint, status, durationMs }: { endpoint: string; status: number; durationMs: number }) => {
      apiCalls.inc({ endpoint, status: String(status) });
      apiDuration.observe({ endpoint }, durationMs / 1000);
    },
    onTokenRenew: (reason: string) => {
      tokenRenewals.inc({ reason });
      log.info({ reason }, `renewing the ${label} access token`);
    },
  };
}
export type ProviderApiMetrics = ReturnType<typeof createProviderApiMetrics>;
