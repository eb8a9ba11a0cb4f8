import type { Db } from '@cauce/db';
import { bigin } from '@cauce/providers';
import { JOBS, type Producer, QUEUES } from '@cauce/queues';
import {
  type Logger,
  PermanentError,
  type RedisConnection,
  RedisLease,
  RetryableError,
} from '@cauce/runtime';
import { ACTIONS, jsonSafe, WORKFLOW_SYNC } from './audit.ts';
import type { OrdersMetrics } from './metrics.ts';

export interface SyncDeps {
  db: Db;
  redis: RedisConnection;
  producer: Producer;
  robot: bigin.BiginRobotClient;
  metrics: OrdersMetrics;
  log: Logger;
  prefix: string;
  subPipeline: string;
  stage: string;
  timeoutMs: number;
  notify: boolean;
}

export type SyncOutcome = { outcome: 'synced'; biginOrderId: string } | { outcome: 'already-synced' };

/**
 * One attempt to create the order in Bigin through the Robot API. Every attempt leaves an
 * actions_log row; a failure keeps the order unsynced with its error and throws so the queue
 * retries. Jobs from intake, retry and the sweep can overlap, so a per-order Redis lock keeps
 * two robots from creating the same order twice.
 */
export async function syncOrder(deps: SyncDeps, orderId: number, executionId: string): Promise<SyncOutcome> {
  const { db, log } = deps;
  const lockKey = `${deps.prefix}:lock:bigin-order:${orderId}`;
  const lockMs = deps.timeoutMs + 30_000;
  const lock = new RedisLease({ redis: deps.redis, key: lockKey, ttlMs: lockMs, autoRenew: true });
  if (!(await lock.acquire())) throw new RetryableError(`order ${orderId} is being synced by another job`);
  try {
    const order = await db.order.findUnique({ where: { id: orderId } });
    if (!order) throw new PermanentError(`order ${orderId} does not exist`);
    if (order.syncedToBigin) return { outcome: 'already-synced' };

    const payload = bigin.toRobotPayload(
      { ...order, price: order.price.toString() },
      { subPipeline: deps.subPipeline, stage: deps.stage },
    );
    let response: bigin.RobotResponse;
    try {
      response = await deps.robot.createOrder(payload);
    } catch (err) {
      deps.metrics.biginSync.inc({ outcome: 'error' });
      await recordFailure(db, orderId, executionId, (err as Error).message, { request: payload });
      throw err;
    }
    if (response.success !== true) {
      deps.metrics.biginSync.inc({ outcome: 'rejected' });
      const reason = describeRejection(response);
      await recordFailure(db, orderId, executionId, reason, { request: payload, response });
      throw new RetryableError(`Robot API did not create order ${orderId}: ${reason}`);
    }

    const biginOrderId = response.data?.ordenName ?? payload.ordenName;
    const now = new Date();
    await db.$transaction([
      db.order.update({
        where: { id: orderId },
        data: { syncedToBigin: true, biginOrderId, syncError: null, lastSyncAt: now },
      }),
      db.actionLog.create({
        data: {
          orderId,
          actionType: ACTIONS.biginCreated,
          actionData: jsonSafe(response),
          success: true,
          workflowName: WORKFLOW_SYNC,
          executionId,
        },
      }),
    ]);
    deps.metrics.biginSync.inc({ outcome: 'success' });
    log.info({ orderId, biginOrderId }, 'order created in Bigin');
    if (deps.notify) {
      // A lost enqueue only loses the courtesy message; the order itself is synced.
      await deps.producer
        .add(QUEUES.callbellNotify, JOBS.callbellSend, { orderId }, { jobId: `notify-order-${orderId}` })
        .catch((err) => log.error({ err, orderId }, 'could not enqueue the CallBell confirmation'));
    }
    return { outcome: 'synced', biginOrderId };
  } finally {
    await lock.release();
  }
}

function describeRejection(res: bigin.RobotResponse): string {
  const e = res.error ?? res.message;
  if (typeof e === 'string' && e) return e;
  if (e !== undefined) return JSON.stringify(e);
  return 'success was not true';
}

async function recordFailure(
  db: Db,
  orderId: number,
  executionId: string,
  message: string,
  data: Record<string, unknown>,
): Promise<void> {
  await db.$transaction([
    db.order.update({ where: { id: orderId }, data: { syncError: message, lastSyncAt: new Date() } }),
    db.actionLog.create({
      data: {
        orderId,
        actionType: ACTIONS.biginFailed,
        actionData: jsonSafe(data),
        success: false,
        errorMessage: message,
        workflowName: WORKFLOW_SYNC,
        executionId,
      },
    }),
  ]);
}
