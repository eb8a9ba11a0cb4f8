import { bigin, callbell } from '@cauce/providers';
import { JOBS, QUEUES } from '@cauce/queues';
import {
  accountLabel,
  ProviderBudget,
  type QueueHandler,
  startWorkerApp,
  type WorkerApp,
  type WorkerAppOptions,
} from '@cauce/runtime';
import type { OrdersConfig } from './config.ts';
import { createOrdersMetrics } from './metrics.ts';
import { notifyCustomer } from './notify.ts';
import { sweepUnsyncedOrders } from './sweep.ts';
import { syncOrder } from './sync-order.ts';

export const ORDERS_WORKER_PORT = 9102;
/** Fixed id: however many replicas upsert it, one schedule exists. */
export const SWEEP_SCHEDULER_ID = 'orders-sweep';

/**
 * worker-orders: stored orders -> Bigin (Robot API), then the customer's WhatsApp confirmation
 * (CallBell, optional), plus a scheduled sweep that re-enqueues orders left unsynced.
 */
export function ordersWorkerOptions(config: OrdersConfig): WorkerAppOptions<OrdersConfig> {
  const robot = new bigin.BiginRobotClient({
    url: config.BIGIN_ROBOT_URL,
    timeoutMs: config.BIGIN_ROBOT_TIMEOUT_MS,
  });
  // Built with the handlers: its budget lives in the worker's Redis.
  let cb: callbell.CallbellClient | null = null;
  const callbellOn = config.CALLBELL_ENABLED && !!config.CALLBELL_API_TOKEN;
  return {
    name: 'worker-orders',
    config,
    defaultPort: ORDERS_WORKER_PORT,
    defaultPoolMax: 3,
    handlers: (ctx): QueueHandler<OrdersConfig>[] => {
      const metrics = createOrdersMetrics(ctx.registry);
      if (callbellOn)
        cb = new callbell.CallbellClient({
          baseUrl: config.CALLBELL_BASE_URL,
          token: config.CALLBELL_API_TOKEN!,
          channelUuid: config.CALLBELL_CHANNEL_UUID,
          timeoutMs: config.CALLBELL_TIMEOUT_MS,
          budget: new ProviderBudget({
            redis: ctx.redis,
            prefix: config.QUEUE_PREFIX,
            registry: ctx.registry,
            provider: 'callbell',
            account: accountLabel(config.CALLBELL_API_TOKEN!),
            limit: config.CALLBELL_BUDGET_MAX,
            windowMs: config.CALLBELL_BUDGET_WINDOW_MS,
          }),
        });
      const handlers: QueueHandler<OrdersConfig>[] = [
        {
          queue: QUEUES.biginOrders,
          // The robot drives a browser: a few at a time in the whole fleet.
          globalConcurrency: config.BIGIN_ROBOT_CONCURRENCY,
          jobs: {
            [JOBS.biginCreateOrder]: (job) =>
              syncOrder(
                {
                  db: ctx.db,
                  redis: ctx.redis,
                  producer: ctx.producer,
                  robot,
                  metrics,
                  log: ctx.log.child({ jobId: job.id }),
                  prefix: config.QUEUE_PREFIX,
                  subPipeline: config.BIGIN_SUB_PIPELINE,
                  stage: config.BIGIN_STAGE,
                  timeoutMs: config.BIGIN_ROBOT_TIMEOUT_MS,
                  notify: callbellOn,
                },
                job.data.orderId,
                String(job.id),
              ),
          },
        },
        {
          queue: QUEUES.ordersSweep,
          concurrency: 1,
          jobs: {
            [JOBS.ordersSweep]: async () => {
              const ids = await sweepUnsyncedOrders(ctx.db, ctx.producer, {
                afterMs: config.ORDERS_SWEEP_AFTER_MS,
                batch: config.ORDERS_SWEEP_BATCH,
              });
              metrics.swept.inc(ids.length);
              if (ids.length) ctx.log.info({ orderIds: ids }, 'sweep re-enqueued unsynced orders');
              return { requeued: ids };
            },
          },
        },
      ];
      const client = cb;
      if (client) {
        handlers.push({
          queue: QUEUES.callbellNotify,
          concurrency: 5,
          jobs: {
            [JOBS.callbellSend]: (job) =>
              notifyCustomer(
                { db: ctx.db, client, metrics, phoneCountry: config.ORDERS_PHONE_COUNTRY },
                job.data.orderId,
                String(job.id),
              ),
          },
        });
      }
      return handlers;
    },
    onStart: async (ctx) => {
      const queue = ctx.producer.queue(QUEUES.ordersSweep);
      if (config.ORDERS_SWEEP_ENABLED) {
        await queue.upsertJobScheduler(
          SWEEP_SCHEDULER_ID,
          { every: config.ORDERS_SWEEP_INTERVAL_MS },
          { name: JOBS.ordersSweep, data: { trigger: 'schedule' } },
        );
      } else {
        await queue.removeJobScheduler(SWEEP_SCHEDULER_ID);
      }
    },
    // After the last job: an order finishing during shutdown still needs its clients.
    onClosed: async () => {
      await robot.close();
      await cb?.close();
    },
    health: () => ({ orders: { callbell: callbellOn, sweepEveryMs: config.ORDERS_SWEEP_INTERVAL_MS } }),
  };
}

/** Starts worker-orders in this process (tests); main.ts uses runWorkerApp for signals. */
export function startOrdersWorker(config: OrdersConfig): Promise<WorkerApp<OrdersConfig>> {
  return startWorkerApp(ordersWorkerOptions(config));
}
