import { JOBS, QUEUES } from '@cauce/queues';
import type { WorkerApp } from '@cauce/runtime';
import { setupWorkerTest, waitFor } from '@cauce/testkit';
import { afterAll, expect, it } from 'vitest';
import { startOrdersWorker } from '../src/app.ts';
import type { OrdersConfig } from '../src/config.ts';
import { ordersConfig, startSim, storedOrder } from './support.ts';

/**
 * Fleet properties of worker-orders, with two replicas: the Bigin robot (a browser, slow) drives
 * at most BIGIN_ROBOT_CONCURRENCY orders at once however many replicas run and whatever
 * WORKER_CONCURRENCY says, and CallBell sends share one budget, so provider-sim, enforcing
 * CallBell's limit scaled down, never answers 429.
 */
const { env, db, producer, sim } = await setupWorkerTest(() => startSim());
let workers: WorkerApp<OrdersConfig>[] = [];
const ORDERS = 8;
afterAll(() => Promise.all(workers.map((w) => w.close())));

it('two replicas keep the robot at its fleet concurrency and CallBell within its budget', async () => {
  await sim.call('POST', '/__sim/bigin-robot/mode', { mode: 'success', delayMs: 150 });
  await sim.call('PUT', '/__sim/limits', {
    callbell: { route: '^\\S+ /callbell/', limit: 3, windowMs: 1_000 },
  });
  const config = ordersConfig(env, sim.base, {
    BIGIN_ROBOT_CONCURRENCY: '2',
    WORKER_CONCURRENCY: '10',
    CALLBELL_BUDGET_MAX: '3',
    CALLBELL_BUDGET_WINDOW_MS: '1000',
  });
  workers = await Promise.all([startOrdersWorker(config), startOrdersWorker(config)]);
  const ids: number[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const o = await db.order.create({ data: storedOrder('confirmado') });
    ids.push(o.id);
  }
  for (const orderId of ids)
    await producer.add(
      QUEUES.biginOrders,
      JOBS.biginCreateOrder,
      { orderId },
      { dedupeKey: `fleet-${orderId}` },
    );

  await waitFor(async () => (await sim.messages()).length === ORDERS, {
    timeoutMs: 60_000,
    message: 'every order synced and its customer told',
  });
  expect(await db.order.count({ where: { id: { in: ids }, syncedToBigin: true } })).toBe(ORDERS);
  const robot = await sim.call('GET', '/__sim/bigin-robot/state');
  expect(robot.orders).toHaveLength(ORDERS);
  expect(robot.peakInFlight).toBeLessThanOrEqual(2);
  const limits = await sim.call('GET', '/__sim/limits');
  expect(limits.stats.callbell).toMatchObject({ admitted: ORDERS, rejected: 0 });
  expect(limits.stats.callbell.peakInWindow).toBeLessThanOrEqual(3);
});
