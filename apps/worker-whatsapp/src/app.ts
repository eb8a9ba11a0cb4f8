import { resolve } from 'node:path';
import { JOBS, QUEUES } from '@cauce/queues';
import {
  type QueueHandler,
  scheduleSync,
  startWorkerApp,
  type WorkerApp,
  type WorkerAppOptions,
} from '@cauce/runtime';
import type { WhatsappConfig } from './config.ts';
import { ConnectionsFileError } from './connections-file.ts';
import { createWhatsappMetrics, lastSyncKey, SYNC_LABEL } from './metrics.ts';
import { syncWhatsappNumbers } from './sync.ts';
import { enqueueFileSync, type FileWatcher, watchFile } from './watcher.ts';

export const WHATSAPP_WORKER_PORT = 9105;
export const SYNC_SCHEDULER_ID = 'whatsapp-numbers-sync';

/**
 * worker-whatsapp: keeps crm_whatsapp_numbers in line with the connections file. Every trigger
 * (hourly job scheduler, admin API, file watcher) is a job on the whatsapp-numbers queue, so
 * runs are counted, retried and dead-lettered the same way. Without WHATSAPP_CONNECTIONS_FILE it
 * starts, says why on /health and in the log, and consumes nothing.
 */
export function whatsappWorkerOptions(config: WhatsappConfig): WorkerAppOptions<WhatsappConfig> {
  const file = config.WHATSAPP_CONNECTIONS_FILE ? resolve(config.WHATSAPP_CONNECTIONS_FILE) : null;
  let watcher: FileWatcher | null = null;
  return {
    name: 'worker-whatsapp',
    config,
    defaultPort: WHATSAPP_WORKER_PORT,
    defaultPoolMax: 2,
    metricQueues: [QUEUES.whatsappNumbers],
    handlers: (ctx): QueueHandler<WhatsappConfig>[] => {
      if (!file) return [];
      const metrics = createWhatsappMetrics(ctx.registry, {
        db: ctx.db,
        redis: ctx.redis,
        prefix: config.QUEUE_PREFIX,
      });
      return [
        {
          queue: QUEUES.whatsappNumbers,
          // One sync of the connections file in the fleet (its transaction lock backs this up).
          globalConcurrency: 1,
          jobs: {
            [JOBS.whatsappNumbersSync]: async (job) => {
              const { trigger, dryRun = false } = job.data;
              const log = ctx.log.child({ jobId: job.id, trigger, dryRun });
              try {
                const report = await syncWhatsappNumbers({
                  db: ctx.db,
                  file,
                  defaultCountry: config.WHATSAPP_DEFAULT_COUNTRY,
                  log,
                  dryRun,
                  // The console draws the bar from it (GET /api/whatsapp/numbers/syncs).
                  onProgress: (done, total) => job.updateProgress({ done, total }),
                });
                // A dry run changed nothing: it is no sync for the metrics or the last-sync time.
                if (dryRun) return report;
                metrics.succeeded(report);
                await ctx.redis.set(lastSyncKey(config.QUEUE_PREFIX), String(Date.now()));
                return report;
              } catch (err) {
                metrics.failed(err instanceof ConnectionsFileError ? 'invalid_file' : 'failed');
                log.error({ err: (err as Error).message }, 'whatsapp numbers sync failed; nothing changed');
                throw err;
              }
            },
          },
        },
      ];
    },
    onStart: async (ctx) => {
      if (!file) {
        ctx.log.warn('WhatsApp numbers sync disabled: WHATSAPP_CONNECTIONS_FILE is not set');
        return;
      }
      if (config.WHATSAPP_SYNC_SCHEDULE) {
        await scheduleSync(ctx, {
          queue: QUEUES.whatsappNumbers,
          job: JOBS.whatsappNumbersSync,
          data: { trigger: 'schedule' },
          schedulerId: SYNC_SCHEDULER_ID,
          everyMs: config.WHATSAPP_SYNC_INTERVAL_MS,
          label: SYNC_LABEL,
        });
        ctx.log.info({ everyMs: config.WHATSAPP_SYNC_INTERVAL_MS }, 'WhatsApp numbers sync scheduled');
      }
      if (config.WHATSAPP_WATCH) {
        const enqueue = () => {
          enqueueFileSync(ctx.producer, file, ctx.log).catch((err) =>
            ctx.log.error({ err }, 'could not enqueue the connections file sync'),
          );
        };
        watcher = watchFile(file, config.WHATSAPP_WATCH_DEBOUNCE_MS, enqueue, ctx.log);
        // The file may have changed while no worker was running.
        await enqueueFileSync(ctx.producer, file, ctx.log);
      }
    },
    onStop: () => {
      watcher?.close();
    },
    health: () => {
      if (!file) return { whatsapp: { enabled: false, message: 'WHATSAPP_CONNECTIONS_FILE is not set' } };
      const watching = watcher?.state ?? 'off';
      return {
        whatsapp: { enabled: true, file, watcher: watching },
        ...(watching === 'error' ? { status: 'degraded' as const } : {}),
      };
    },
  };
}

/** Starts worker-whatsapp in this process (tests); main.ts uses runWorkerApp for signals. */
export function startWhatsappWorker(config: WhatsappConfig): Promise<WorkerApp<WhatsappConfig>> {
  return startWorkerApp(whatsappWorkerOptions(config));
}
