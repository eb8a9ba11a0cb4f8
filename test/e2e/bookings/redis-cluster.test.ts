import { buildIngress } from '@cauce/ingress/app';
import { ingressEnv } from '@cauce/ingress/config';
import { createDeps } from '@cauce/ingress/deps';
import { QUEUES } from '@cauce/queues';
import { parseConfig } from '@cauce/runtime';
import {
  type RedisCluster,
  redisClusterUnavailable,
  scrape,
  setupTestEnv,
  startRedisCluster,
  waitFor,
} from '@cauce/testkit';
import { type BookingsWorker, startBookingsWorker } from '@cauce/worker-bookings/app';
import { bookingsConfig, type Sim, startSim } from '@cauce/worker-bookings/testing';
import { startOrdersWorker } from '@cauce/worker-orders/app';
import { ordersConfig } from '@cauce/worker-orders/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Cauce on a Redis Cluster of three masters (started here, on loopback ports): the ingress takes
 * Beds24 webhooks and queues them, worker-bookings processes them, worker-orders' job scheduler
 * fires, and the ingress's redrive (a RedisLease: Lua on one key) re-queues an event that never
 * reached its queue. Every key carries the prefix's hash tag, so none of this crosses slots.
 */
const unavailable = redisClusterUnavailable();
if (unavailable) console.warn(`[skip] ${unavailable}`);

const WEBHOOK_TOKEN = 'cluster-beds24-webhook-token-0123456789';

describe.skipIf(unavailable !== null)('on a Redis Cluster (three masters)', async () => {
  const env = await setupTestEnv();
  // A hash tag: every Cauce key of this file lands in one slot of the cluster.
  const prefix = `{${env.prefix}}`;
  let cluster: RedisCluster;
  let sim: Sim;
  let ingress: Awaited<ReturnType<typeof buildIngress>>;
  let deps: Awaited<ReturnType<typeof createDeps>>;
  let bookings: BookingsWorker;
  let orders: Awaited<ReturnType<typeof startOrdersWorker>>;
  let ingressUrl: string;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    sim = await startSim();
    const onCluster = { REDIS_URL: cluster.url, REDIS_CLUSTER: 'true', QUEUE_PREFIX: prefix };
    deps = await createDeps(
      parseConfig(ingressEnv, {
        ...env.env,
        ...onCluster,
        JWT_SECRET: 'cluster-secret-0123456789-0123456789-0123',
        BEDS24_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
        WEBHOOK_REDRIVE_INTERVAL_MS: '200',
        WEBHOOK_REDRIVE_GRACE_MS: '0',
      }),
    );
    ingress = await buildIngress(deps);
    await ingress.listen({ port: 0, host: '127.0.0.1' });
    const addr = ingress.server.address();
    ingressUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    bookings = await startBookingsWorker(bookingsConfig(env, sim, onCluster));
    orders = await startOrdersWorker(
      ordersConfig(env, sim.base, {
        ...onCluster,
        ORDERS_SWEEP_ENABLED: 'true',
        ORDERS_SWEEP_INTERVAL_MS: '200',
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await orders?.close();
    await bookings?.close();
    await ingress?.close();
    await deps?.close();
    await sim?.close();
    await cluster?.stop();
  });

  it('intake, a worker, a job scheduler, the redrive and /api/ready all work', async () => {
    // The cluster really spreads keys: the prefix's slot is on one master of three.
    expect(cluster.ports).toHaveLength(3);

    // Intake → queue → worker-bookings, through real HTTP.
    const b = await sim.create({ firstName: 'Inti', lastName: 'Mamani' });
    const sent = await sim.emit({
      bookingId: b.id,
      target: `${ingressUrl}/api/webhooks/beds24`,
      token: WEBHOOK_TOKEN,
    });
    expect(sent).toMatchObject({ delivered: true, status: 202 });
    await waitFor(
      async () =>
        (await bookings.ctx.db.booking.findUnique({ where: { bookingId: String(b.id) } }))?.guestName,
      { message: 'the booking row' },
    );
    expect((await deps.db.webhookEvent.findFirstOrThrow({ where: { entityId: String(b.id) } })).status).toBe(
      'processed',
    );

    // The redrive: an event stored without its job (Redis was away) is queued and processed.
    const other = await sim.create({ firstName: 'Killa' });
    const lost = await deps.db.webhookEvent.create({
      data: {
        provider: 'beds24',
        eventType: 'MODIFY',
        dedupeKey: `cluster-redrive-${other.id}`,
        entityId: String(other.id),
        payload: { booking: { id: Number(other.id) } },
        queue: QUEUES.beds24Sync,
        jobId: `cluster-redrive-${other.id}`,
        status: 'received',
      },
    });
    await waitFor(
      async () => (await deps.db.webhookEvent.findUnique({ where: { id: lost.id } }))?.status === 'processed',
      { message: 'the redriven event processed' },
    );

    // worker-orders' job scheduler fires on its interval (each fire is one processed job).
    const metrics = `http://127.0.0.1:${orders.port}/metrics`;
    await expect
      .poll(
        () => scrape(metrics, 'jobs_processed_total', { queue: QUEUES.ordersSweep, type: 'orders-sweep' }),
        {
          timeout: 20_000,
        },
      )
      .toBeGreaterThanOrEqual(2);

    // /api/ready finds both worker apps in the client lists of the cluster's servers.
    const ready = await fetch(`${ingressUrl}/api/ready`);
    const body = (await ready.json()) as { workers?: Record<string, string> };
    expect(body.workers).toMatchObject({ 'worker-bookings': 'up', 'worker-orders': 'up' });
  });
});
