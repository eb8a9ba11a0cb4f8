import { QUEUES } from '@cauce/queues';
import type { WorkerApp } from '@cauce/runtime';
import { setupWorkerTest, waitFor } from '@cauce/testkit';
import { afterAll, expect, it } from 'vitest';
import { SWEEP_SCHEDULER_ID, startOrdersWorker } from '../src/app.ts';
import type { OrdersConfig } from '../src/config.ts';
import { orderPayload, ordersConfig, startSim, storedOrder } from './support.ts';

/** The scheduled sweep: one schedule however many workers upsert it, and it syncs stranded orders. */
const { env, db, producer, sim } = await setupWorkerTest(() => startSim());
let workers: WorkerApp<OrdersConfig>[] = [];
afterAll(() => Promise.all(workers.map((w) => w.close())));

it('two workers upserting the sweep scheduler at once leave one schedule, which syncs an order nobody enqueued', async () => {
  // An order stored while Redis was unreachable: in the table, never queued.
  const p = orderPayload();
  const stranded = await db.order.create({ data: storedOrder('pending', p) });
  const config = ordersConfig(env, sim.base, {
    ORDERS_SWEEP_ENABLED: 'true',
    ORDERS_SWEEP_INTERVAL_MS: '300',
    ORDERS_SWEEP_AFTER_MS: '200',
    CALLBELL_ENABLED: 'false',
  });
  workers = await Promise.all([startOrdersWorker(config), startOrdersWorker(config)]);
  const schedulers = await producer.queue(QUEUES.ordersSweep).getJobSchedulers();
  expect(schedulers.map((s) => s.key)).toEqual([SWEEP_SCHEDULER_ID]);
  expect(Number(schedulers[0]?.every)).toBe(300);

  await waitFor(async () => (await db.order.findUnique({ where: { id: stranded.id } }))?.syncedToBigin, {
    message: 'stranded order synced by the sweep',
  });
  const rows = await db.actionLog.findMany({ where: { orderId: stranded.id } });
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ actionType: 'bigin_order_created', success: true });
  expect(rows[0]?.executionId).toMatch(new RegExp(`^order-${stranded.id}-sweep-\\d+$`));
  // Later sweeps leave a synced order alone: still exactly one robot call for it.
  await new Promise((r) => setTimeout(r, 800));
  expect((await sim.robotOrders()).filter((o) => o.contactName === p.customer_name)).toHaveLength(1);
});
