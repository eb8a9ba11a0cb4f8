import { webhookEventStore } from '@cauce/db';
import { JOBS, QUEUES } from '@cauce/queues';
import {
  handleWebhookEventJob,
  isFinalFailure,
  PermanentError,
  type QueueHandler,
  type WorkerAppOptions,
  type WorkerContext,
} from '@cauce/runtime';
import type { Job } from 'bullmq';
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
export function stagingWorkerOptions(config: StagingConfig): WorkerAppOptions<StagingConfig> {
  // Built with the app's Redis (their budgets live there) when the handlers are made.
  let ghlApi: ReturnType<typeof ghlClient> = null;
  let stripeApi: ReturnType<typeof stripeClient> = null;
  let paypalApi: ReturnType<typeof paypalClient> = null;
  let manychatApi: ReturnType<typeof manychatClient> = null;

  const wrapRun =
    (fn: (runId: string, ctx: WorkerContext<StagingConfig>) => Promise<unknown>) =>
    async (runId: string, ctx: WorkerContext<StagingConfig>, job: Job) => {
      try {
        return await fn(runId, ctx);
      } catch (err) {
        const final = isFinalFailure(job, err, config);
        await failRun(ctx.pool, runId, (err as Error).message, final).catch(() => {});
        throw err;
      }
    };

  const syncGhl = wrapRun(async (runId, ctx) => {
    if (!ghlApi) throw new PermanentError('GHL disabled: GHL_TOKEN and GHL_LOCATION_ID are required');
    return runGhlSync(ctx.pool, ghlApi, config, runId, ctx.log);
  });
  const syncStripe = wrapRun(async (runId, ctx) => {
    if (!stripeApi) throw new PermanentError('Stripe disabled: STRIPE_SECRET_KEY is required');
    return runStripeSync(ctx.pool, stripeApi, config, runId, ctx.log);
  });
  const syncPaypal = wrapRun(async (runId, ctx) => {
    if (!paypalApi)
      throw new PermanentError('PayPal disabled: PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET are required');
    return runPaypalSync(ctx.pool, paypalApi, config, runId, ctx.log);
  });
  const syncManychat = wrapRun(async (runId, ctx) => {
    if (!manychatApi) throw new PermanentError('ManyChat disabled: MANYCHAT_API_KEY is required');
    return runManychatLookup(ctx.pool, ctx.redis, manychatApi, config, runId, ctx.log);
  });
  const unify = wrapRun((runId, ctx) => runUnify(ctx.pool, config, runId, ctx.log));
  const csvImport = wrapRun((runId, ctx) => runCsvImport(ctx.pool, runId, ctx.log));
  let requeueTimer: NodeJS.Timeout | undefined;

  return {
    name: 'worker-staging',
    config,
    defaultPort: STAGING_PORT,
    // Four source queues at concurrency 2 and unify (one connection for its whole transaction).
    defaultPoolMax: 6,
    handlers: (ctx): QueueHandler<StagingConfig>[] => {
      const { pool } = ctx;
      const events = webhookEventStore(pool);
      const deps = { redis: ctx.redis, registry: ctx.registry };
      ghlApi = ghlClient(config, deps);
      stripeApi = stripeClient(config, deps);
      paypalApi = paypalClient(config, deps);
      manychatApi = manychatClient(config, deps);
      return [
        {
          queue: QUEUES.stagingGhl,
          concurrency: 2,
          jobs: {
            [JOBS.webhookEvent]: (job) =>
              handleWebhookEventJob(job, events, (e) => handleGhlWebhook(pool, config, e), config),
            [JOBS.stagingSync]: (job, ctx) => syncGhl(job.data.runId, ctx, job),
          },
        },
        {
          queue: QUEUES.stagingStripe,
          concurrency: 2,
          jobs: {
            [JOBS.webhookEvent]: (job) =>
              handleWebhookEventJob(job, events, (e) => handleStripeWebhook(pool, config, e), config),
            [JOBS.stagingSync]: (job, ctx) => syncStripe(job.data.runId, ctx, job),
          },
        },
        {
          queue: QUEUES.stagingPaypal,
          concurrency: 2,
          jobs: {
            [JOBS.webhookEvent]: (job) =>
              handleWebhookEventJob(job, events, (e) => handlePaypalWebhook(pool, e), config),
            [JOBS.stagingSync]: (job, ctx) => syncPaypal(job.data.runId, ctx, job),
          },
        },
        {
          queue: QUEUES.stagingManychat,
          concurrency: 2,
          jobs: {
            [JOBS.webhookEvent]: (job) =>
              handleWebhookEventJob(job, events, (e) => handleManychatWebhook(pool, config, e), config),
            [JOBS.stagingSync]: (job, ctx) => syncManychat(job.data.runId, ctx, job),
          },
        },
        {
          // One import at a time in the fleet: each is a long sequential write, and imports queue up.
          queue: QUEUES.stagingCsv,
          globalConcurrency: 1,
          jobs: { [JOBS.stagingCsvImport]: (job, ctx) => csvImport(job.data.runId, ctx, job) },
        },
        {
          // One unify in the fleet (it re-derives every client); its transaction lock backs this up.
          queue: QUEUES.stagingUnify,
          globalConcurrency: 1,
          jobs: { [JOBS.stagingUnify]: (job, ctx) => unify(job.data.runId, ctx, job) },
        },
      ];
    },
    // At start, after every Redis reconnect and every CSV_REQUEUE_INTERVAL_MS: imports committed
    // while Redis was away (or by an ingress that died before enqueueing) get their job.
    async onStart(ctx) {
      const requeue = () =>
        requeueCsvRuns(ctx.pool, ctx.producer, ctx.log).catch((err) =>
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
