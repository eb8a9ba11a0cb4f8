import { createPgPool } from '@cauce/db';
import {
  JOBS,
  QUEUES,
  type StagingCsvImportJob,
  type StagingSyncJob,
  type StagingUnifyJob,
  type WebhookEventJob,
} from '@cauce/queues';
import {
  handleWebhookEventJob,
  isFinalFailure,
  PermanentError,
  type QueueHandler,
  type WorkerAppOptions,
  type WorkerContext,
  webhookEventStore,
} from '@cauce/runtime';
import type { Job } from 'bullmq';
import type pg from 'pg';
import type { StagingConfig } from './config.ts';
import { requeueCsvRuns, runCsvImport } from './csv-import.ts';
import { ghlClient, runGhlSync } from './ghl-sync.ts';
import { manychatClient, runManychatLookup } from './manychat-sync.ts';
import { paypalClient, runPaypalSync } from './paypal-sync.ts';
import { failRun } from './runs.ts';
import { runStripeSync, stripeClient } from './stripe-sync.ts';
import { runUnify } from './unify.ts';
import {
  handleGhlWebhook,
  handleManychatWebhook,
  handlePaypalWebhook,
  handleStripeWebhook,
} from './webhooks.ts';

export const STAGING_PORT = 9104;

/**
 * worker-staging: one queue per source (its provider's rate limit) plus staging-unify.
 * Bulk writes use a plain pg pool (array-parameter upserts, temp tables for unify).
 */
export function stagingWorkerOptions(
  config: StagingConfig,
  pool: pg.Pool = createPgPool(config.DATABASE_URL, { max: 6 }),
): WorkerAppOptions<StagingConfig> {
  // Built with the app's Redis (their budgets live there) when the handlers are made.
  let ghlApi: ReturnType<typeof ghlClient> = null;
  let stripeApi: ReturnType<typeof stripeClient> = null;
  let paypalApi: ReturnType<typeof paypalClient> = null;
  let manychatApi: ReturnType<typeof manychatClient> = null;
  const events = webhookEventStore(pool);

  const wrapRun =
    (fn: (runId: string, ctx: WorkerContext<StagingConfig>) => Promise<unknown>) =>
    async (runId: string, ctx: WorkerContext<StagingConfig>, job: Job) => {
      try {
        return await fn(runId, ctx);
      } catch (err) {
        const final = isFinalFailure(job, err, config);
        await failRun(pool, runId, (err as Error).message, final).catch(() => {});
        throw err;
      }
    };

  const syncGhl = wrapRun(async (runId, ctx) => {
    if (!ghlApi) throw new PermanentError('GHL disabled: GHL_TOKEN and GHL_LOCATION_ID are required');
    return runGhlSync(pool, ghlApi, config, runId, ctx.log);
  });
  const syncStripe = wrapRun(async (runId, ctx) => {
    if (!stripeApi) throw new PermanentError('Stripe disabled: STRIPE_SECRET_KEY is required');
    return runStripeSync(pool, stripeApi, config, runId, ctx.log);
  });
  const syncPaypal = wrapRun(async (runId, ctx) => {
    if (!paypalApi)
      throw new PermanentError('PayPal disabled: PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET are required');
    return runPaypalSync(pool, paypalApi, config, runId, ctx.log);
  });
  const syncManychat = wrapRun(async (runId, ctx) => {
    if (!manychatApi) throw new PermanentError('ManyChat disabled: MANYCHAT_API_KEY is required');
    return runManychatLookup(pool, ctx.redis, manychatApi, config, runId, ctx.log);
  });
  const unify = wrapRun((runId, ctx) => runUnify(pool, config, runId, ctx.log));
  const csvImport = wrapRun((runId, ctx) => runCsvImport(pool, runId, ctx.log));
  let requeueTimer: NodeJS.Timeout | undefined;

  return {
    name: 'worker-staging',
    config,
    defaultPort: STAGING_PORT,
    handlers: (ctx): QueueHandler<StagingConfig>[] => {
      const deps = { redis: ctx.redis, registry: ctx.registry };
      ghlApi = ghlClient(config, deps);
      stripeApi = stripeClient(config, deps);
      paypalApi = paypalClient(config, deps);
      manychatApi = manychatClient(config, deps);
      return [
        {
          queue: QUEUES.stagingGhl,
          concurrency: 2,
          process: async (job, ctx) => {
            if (job.name === JOBS.webhookEvent)
              return handleWebhookEventJob(
                job as Job<WebhookEventJob>,
                events,
                (e) => handleGhlWebhook(pool, config, e),
                config,
              );
            if (job.name === JOBS.stagingSync) return syncGhl((job.data as StagingSyncJob).runId, ctx, job);
            throw new PermanentError(`unknown job ${job.name} on ${QUEUES.stagingGhl}`);
          },
        },
        {
          queue: QUEUES.stagingStripe,
          concurrency: 2,
          process: async (job, ctx) => {
            if (job.name === JOBS.webhookEvent)
              return handleWebhookEventJob(
                job as Job<WebhookEventJob>,
                events,
                (e) => handleStripeWebhook(pool, config, e),
                config,
              );
            if (job.name === JOBS.stagingSync)
              return syncStripe((job.data as StagingSyncJob).runId, ctx, job);
            throw new PermanentError(`unknown job ${job.name} on ${QUEUES.stagingStripe}`);
          },
        },
        {
          queue: QUEUES.stagingPaypal,
          concurrency: 2,
          process: async (job, ctx) => {
            if (job.name === JOBS.webhookEvent)
              return handleWebhookEventJob(
                job as Job<WebhookEventJob>,
                events,
                (e) => handlePaypalWebhook(pool, e),
                config,
              );
            if (job.name === JOBS.stagingSync)
              return syncPaypal((job.data as StagingSyncJob).runId, ctx, job);
            throw new PermanentError(`unknown job ${job.name} on ${QUEUES.stagingPaypal}`);
          },
        },
        {
          queue: QUEUES.stagingManychat,
          concurrency: 2,
          process: async (job, ctx) => {
            if (job.name === JOBS.webhookEvent)
              return handleWebhookEventJob(
                job as Job<WebhookEventJob>,
                events,
                (e) => handleManychatWebhook(pool, config, e),
                config,
              );
            if (job.name === JOBS.stagingSync)
              return syncManychat((job.data as StagingSyncJob).runId, ctx, job);
            throw new PermanentError(`unknown job ${job.name} on ${QUEUES.stagingManychat}`);
          },
        },
        {
          // One import at a time: each is a long sequential write, and imports of one source queue up.
          queue: QUEUES.stagingCsv,
          concurrency: 1,
          process: async (job, ctx) => csvImport((job.data as StagingCsvImportJob).runId, ctx, job),
        },
        {
          queue: QUEUES.stagingUnify,
          concurrency: 1,
          process: async (job, ctx) => {
            return unify((job.data as StagingUnifyJob).runId, ctx, job);
          },
        },
      ];
    },
    // At start, after every Redis reconnect and every CSV_REQUEUE_INTERVAL_MS: imports committed
    // while Redis was away (or by an ingress that died before enqueueing) get their job.
    async onStart(ctx) {
      const requeue = () =>
        requeueCsvRuns(pool, ctx.producer, ctx.log).catch((err) =>
          ctx.log.warn({ err: (err as Error).message }, 'could not enqueue waiting CSV imports'),
        );
      await requeue();
      requeueTimer ??= setInterval(requeue, config.CSV_REQUEUE_INTERVAL_MS).unref();
    },
    onStop() {
      clearInterval(requeueTimer);
    },
    // After the last job: a page finishing during shutdown still needs its client.
    async onClosed() {
      await ghlApi?.close();
      await stripeApi?.close();
      await paypalApi?.close();
      await manychatApi?.close();
    },
    health: async () => ({
      ghl: ghlApi ? 'configured' : 'disabled',
      stripe: stripeApi ? 'configured' : 'disabled',
      paypal: paypalApi ? 'configured' : 'disabled',
      manychat: manychatApi ? 'configured' : 'disabled',
    }),
  };
}
