import { siigo } from '@cauce/providers';
import {
  Counter,
  createProviderApiMetrics,
  Gauge,
  Histogram,
  LAST_SYNC_METRIC,
  type Logger,
  type RedisConnection,
  type Registry,
} from '@cauce/runtime';

export const SYNC_LABEL = 'siigo_stock';

export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

/** Topic label values: the known topics, everything else as "unknown" (bounded cardinality). */
export function topicLabel(topic: string): string {
  return siigo.isStockTopic(topic) ? topic : 'unknown';
}

export function createStockMetrics(
  registry: Registry,
  opts: { redis: RedisConnection; prefix: string; circuitState: () => CircuitState; log: Logger },
) {
  const registers = [registry];
  const lastSuccessKey = siigo.stockRedisKeys(opts.prefix).lastSyncSuccess;
  return {
    ...createProviderApiMetrics(registry, 'siigo', 'SIIGO', opts.log),
    syncRuns: new Counter({
      name: 'siigo_sync_runs_total',
      help: 'Scheduled SIIGO stock sync runs by outcome (succeeded, failed, cancelled, skipped_overlap, skipped_circuit_open)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    syncDuration: new Histogram({
      name: 'siigo_sync_duration_seconds',
      help: 'Duration of completed scheduled sync runs',
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    productsChecked: new Counter({
      name: 'siigo_products_checked_total',
      help: 'Products read from SIIGO and compared with the products table',
      labelNames: ['source'] as const,
      registers,
    }),
    productsChanged: new Counter({
      name: 'siigo_products_changed_total',
      help: 'Products whose stored row changed (kind=stock: available_quantity; kind=other: warehouses or details; kind=created)',
      labelNames: ['source', 'kind'] as const,
      registers,
    }),
    webhookEvents: new Counter({
      name: 'siigo_webhook_events_total',
      help: 'SIIGO webhook events handled by the worker, by topic and outcome (processed, ignored, failed)',
      labelNames: ['topic', 'outcome'] as const,
      registers,
    }),
    breakerTransitions: new Counter({
      name: 'siigo_circuit_transitions_total',
      help: 'SIIGO circuit breaker state changes, by the state entered',
      labelNames: ['state'] as const,
      registers,
    }),
    circuit: new Gauge({
      name: 'siigo_circuit_state',
      help: 'SIIGO circuit breaker state: 1 on the current state (closed, open, half_open)',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const cur = opts.circuitState();
        for (const s of CIRCUIT_STATES) this.set({ state: s }, s === cur ? 1 : 0);
      },
    }),
    lastSuccess: new Gauge({
      name: LAST_SYNC_METRIC,
      help: 'Unix time of the last scheduled sync that completed (read from RedisConnection: the same on every replica)',
      labelNames: ['sync'] as const,
      registers,
      async collect() {
        const v = await opts.redis.get(lastSuccessKey).catch(() => null);
        this.set({ sync: SYNC_LABEL }, v ? Number(v) / 1000 : 0);
      },
    }),
  };
}
export type StockMetrics = ReturnType<typeof createStockMetrics>;
