import { JOBS, QUEUES } from '@cauce/queues';
import {
  type QueueHandler,
  scheduleSync,
  startWorkerApp,
  type WorkerApp,
  type WorkerAppOptions,
} from '@cauce/runtime';
import { type StockConfig, siigoDisabledReason } from './config.ts';
import { SYNC_LABEL } from './metrics.ts';
import { createStockService, type StockService } from './service.ts';
import { runScheduledSync, SYNC_SOURCE } from './sync.ts';
import { handleWebhookEvent } from './webhook-event.ts';

export const STOCK_WORKER_PORT = 9103;
export const SYNC_SCHEDULER_ID = 'siigo-stock-sync';

export interface StockWorker extends WorkerApp<StockConfig> {
  /** Null when SIIGO is disabled. */
  stock: StockService | null;
}

/**
 * worker-stock: SIIGO webhook events (queue siigo-stock) and the scheduled sync (siigo-sync,
 * a BullMQ job scheduler). Without credentials it starts, says why on /health and in the log,
 * and consumes nothing.
 */
export function stockWorkerOptions(
  config: StockConfig,
): WorkerAppOptions<StockConfig> & { service(): StockService | null } {
  const disabled = siigoDisabledReason(config);
  let stock: StockService | null = null;
  return {
    service: () => stock,
    name: 'worker-stock',
    config,
    defaultPort: STOCK_WORKER_PORT,
    defaultPoolMax: 3,
    metricQueues: [QUEUES.siigoStock, QUEUES.siigoSync],
    handlers: (ctx): QueueHandler<StockConfig>[] => {
      if (disabled) return [];
      const s = createStockService(ctx);
      stock = s;
      return [
        {
          queue: QUEUES.siigoStock,
          concurrency: 5,
          limiter: { max: config.SIIGO_WEBHOOK_MAX_PER_MIN, duration: 60_000 },
          jobs: { [JOBS.webhookEvent]: (job) => handleWebhookEvent(s, job) },
        },
        {
          queue: QUEUES.siigoSync,
          // One scheduled sync in the fleet (its Redis lease backs this up).
          globalConcurrency: 1,
          jobs: { [JOBS.siigoScheduledSync]: (job) => runScheduledSync(s, job.data.trigger) },
        },
      ];
    },
    onStart: async (ctx) => {
      if (disabled) {
        ctx.log.warn(disabled);
        return;
      }
      if (config.SIIGO_SYNC_SCHEDULE) {
        await scheduleSync(ctx, {
          queue: QUEUES.siigoSync,
          job: JOBS.siigoScheduledSync,
          data: { trigger: 'schedule' },
          schedulerId: SYNC_SCHEDULER_ID,
          everyMs: config.SIIGO_SYNC_INTERVAL_MS,
          label: SYNC_LABEL,
        });
        ctx.log.info({ everyMs: config.SIIGO_SYNC_INTERVAL_MS }, 'SIIGO scheduled sync registered');
      }
    },
    onStop: () => {
      if (stock) stock.stopping = true;
    },
    onClosed: () => stock?.close(),
    health: async (ctx) => {
      if (disabled) return { siigo: { enabled: false, message: disabled } };
      const s = stock!;
      const state = s.breaker.state;
      const syncRunning = (await ctx.redis.exists(s.keys.syncLock)) === 1;
      const last = await ctx.db.syncRun.findFirst({
        where: { source: SYNC_SOURCE, status: { not: 'running' } },
        orderBy: { id: 'desc' },
        select: { status: true, finishedAt: true, error: true },
      });
      const lastSync = last && { status: last.status, finishedAt: last.finishedAt, error: last.error };
      return {
        siigo: { enabled: true, circuit: state, syncRunning, lastSync },
        ...(state === 'open' ? { status: 'degraded' as const } : {}),
      };
    },
  };
}

/** Starts worker-stock in this process (tests, bench); main.ts uses runWorkerApp for signals. */
export async function startStockWorker(config: StockConfig): Promise<StockWorker> {
  const options = stockWorkerOptions(config);
  const app = await startWorkerApp(options);
  return Object.assign(app, { stock: options.service() });
}
