import { createDb } from '@cauce/db';
import { buildIngress } from '@cauce/ingress/app';
import { ingressEnv } from '@cauce/ingress/config';
import { createDeps } from '@cauce/ingress/deps';
import { mintToken } from '@cauce/ingress/plugins/auth';
import { QUEUES } from '@cauce/queues';
import { parseConfig } from '@cauce/runtime';
import { type PrivateServices, setupTestEnv, startPrivateServices, type TestEnv } from '@cauce/testkit';
import { type BookingsWorker, startBookingsWorker } from '@cauce/worker-bookings/app';
import { BOOKINGS_ENDPOINT, bookingsConfig, type Sim, startSim } from '@cauce/worker-bookings/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Every acknowledged event reaches a final state exactly once, under real faults: Redis restarted
 * EMPTY after the ingress acknowledged and queued the events (the redrive finds the queued rows
 * whose job vanished and adds them again), and an operator's replay racing the event's running
 * job. The Redis is this file's own (it is stopped and wiped); PostgreSQL is the file's database.
 */
const TOKEN = 'redelivery-beds24-token-0123456789';
let services: PrivateServices;
let env: TestEnv;
let sim: Sim;
let deps: Awaited<ReturnType<typeof createDeps>>;
let ingress: Awaited<ReturnType<typeof buildIngress>>;
let worker: BookingsWorker;
let admin: string;
const shared = await setupTestEnv();
const db = createDb(shared.databaseUrl, { max: 2 });

beforeAll(async () => {
  services = await startPrivateServices();
  env = { ...shared, redisUrl: services.redisUrl, env: { ...shared.env, REDIS_URL: services.redisUrl } };
  sim = await startSim();
  deps = await createDeps(
    parseConfig(ingressEnv, {
      ...env.env,
      JWT_SECRET: 'redelivery-secret-0123456789-0123456789',
      BEDS24_WEBHOOK_TOKEN: TOKEN,
      WEBHOOK_REDRIVE_INTERVAL_MS: '200',
      WEBHOOK_REDRIVE_GRACE_MS: '500',
      RATE_LIMIT_ENABLED: 'false',
    }),
  );
  ingress = await buildIngress(deps);
  admin = mintToken(ingress, 'ana-admin', 'admin');
  worker = await startBookingsWorker(bookingsConfig(env, sim, { BEDS24_SYNC_CONCURRENCY: '10' }));
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await ingress?.close();
  await deps?.close();
  await sim?.close();
  await services?.stop();
  await db.$disconnect();
});

const webhook = (bookingId: number) =>
  ingress.inject({
    method: 'POST',
    url: '/api/webhooks/beds24',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    payload: { booking: { id: bookingId, status: 'confirmed', modifiedTime: new Date().toISOString() } },
  });
const adminPost = (url: string, body?: unknown) =>
  ingress.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${admin}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
const eventsOf = (ids: number[]) =>
  db.webhookEvent.findMany({ where: { entityId: { in: ids.map(String) } }, orderBy: { id: 'asc' } });
const syncQueue = () => deps.producer.queue(QUEUES.beds24Sync);

describe('Redis comes back empty', () => {
  it('every event acknowledged and queued before the wipe is processed exactly once', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push((await sim.create({ firstName: `Guest ${i}` })).id);
    // Paused: the jobs sit in Redis, acknowledged and queued, when Redis loses them.
    await worker.workers[0]!.pause();
    for (const id of ids) expect((await webhook(id)).statusCode).toBe(202);
    // Rows stay 'received' until settled; each 202 waited for its job (or the redrive adds it).
    await expect.poll(async () => syncQueue().getWaitingCount(), { timeout: 20_000 }).toBe(ids.length);
    expect((await eventsOf(ids)).map((e) => e.status)).toEqual(ids.map(() => 'received'));

    // A marker proves the wipe; the job count cannot, since the redrive may re-add the lost jobs
    // the moment Redis answers again (which is what this test is about).
    const marker = `${env.prefix}:redelivery:marker`;
    const probe = new Redis(services.redisUrl, { maxRetriesPerRequest: null });
    // Refused connections while Redis is down are expected here; the poll below reads through them.
    probe.on('error', () => {});
    try {
      await probe.set(marker, '1');
      await services.restartRedis(100, { empty: true });
      await expect.poll(async () => probe.exists(marker).catch(() => -1), { timeout: 20_000 }).toBe(0);
    } finally {
      probe.disconnect();
    }
    worker.workers[0]!.resume();

    await expect
      .poll(async () => (await eventsOf(ids)).filter((e) => e.status === 'processed').length, {
        timeout: 30_000,
      })
      .toBe(ids.length);
    const events = await eventsOf(ids);
    // Settled once each (attempts counts settles), one row each, every booking written once.
    expect(events.map((e) => e.attempts)).toEqual(ids.map(() => 1));
    expect(await db.booking.count({ where: { bookingId: { in: ids.map(String) } } })).toBe(ids.length);
    // The workers reconnected to the new Redis: a new event goes straight through.
    const late = (await sim.create({ firstName: 'After the wipe' })).id;
    expect((await webhook(late)).statusCode).toBe(202);
    await expect.poll(async () => (await eventsOf([late]))[0]?.status, { timeout: 20_000 }).toBe('processed');
  }, 90_000);
});

describe('replay', () => {
  it('a replay racing the running job adds no second job: the row ends processed, fetched once', async () => {
    const id = (await sim.create({ firstName: 'Racing' })).id;
    await sim.resetCalls();
    await sim.faults([{ route: '^GET /beds24/v2/bookings$', latencyMs: 1_500 }]);
    try {
      expect((await webhook(id)).statusCode).toBe(202);
      // The causal event: the job is running (its Beds24 fetch is held by the latency).
      await expect.poll(() => syncQueue().getActiveCount(), { timeout: 20_000 }).toBe(1);
      const [event] = await eventsOf([id]);
      const res = await adminPost(`/api/admin/webhooks/${event!.id}/replay`);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ replayed: true, leftToJob: true, jobId: event!.jobId });
      await expect.poll(async () => (await eventsOf([id]))[0]?.status, { timeout: 20_000 }).toBe('processed');
    } finally {
      await sim.faults([]);
    }
    await expect.poll(() => syncQueue().getJobCountByTypes('waiting', 'active', 'delayed')).toBe(0);
    const [settled] = await eventsOf([id]);
    expect(settled!.attempts).toBe(1);
    expect((await sim.calls())[BOOKINGS_ENDPOINT]).toBe(1);

    // Once settled, a replay is a new request: marked queued first, then a new job processes it.
    const again = await adminPost(`/api/admin/webhooks/${settled!.id}/replay`);
    expect(again.json()).toMatchObject({ replayed: true });
    expect(again.json().leftToJob).toBeUndefined();
    await expect.poll(async () => (await eventsOf([id]))[0]?.attempts, { timeout: 20_000 }).toBe(2);
    expect((await eventsOf([id]))[0]).toMatchObject({ status: 'processed', jobId: again.json().jobId });
  }, 60_000);

  it('bulk replay by filter re-processes exactly the matching events', async () => {
    const before = await sim.create({ firstName: 'Before T' });
    expect((await webhook(before.id)).statusCode).toBe(202);
    await expect
      .poll(async () => (await eventsOf([before.id]))[0]?.status, { timeout: 20_000 })
      .toBe('processed');
    const [first] = await eventsOf([before.id]);
    const since = new Date(first!.receivedAt.getTime() + 1);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push((await sim.create({ firstName: `After T ${i}` })).id);
    for (const id of ids) expect((await webhook(id)).statusCode).toBe(202);
    await expect
      .poll(async () => (await eventsOf(ids)).filter((e) => e.status === 'processed').length, {
        timeout: 20_000,
      })
      .toBe(ids.length);

    const res = await adminPost('/api/admin/webhooks/replay', {
      provider: 'beds24',
      status: 'processed',
      since: since.toISOString(),
    });
    expect(res.statusCode).toBe(200);
    // The events of the earlier tests were received before `since` too.
    expect(res.json()).toEqual({ matched: ids.length, replayed: ids.length, leftToJob: 0, notReplayable: 0 });
    await expect
      .poll(async () => (await eventsOf(ids)).map((e) => `${e.status}:${e.attempts}`), { timeout: 20_000 })
      .toEqual(ids.map(() => 'processed:2'));
    expect((await eventsOf([before.id]))[0]!.attempts).toBe(1);
    const other = await adminPost('/api/admin/webhooks/replay', {
      provider: 'siigo',
      since: since.toISOString(),
    });
    expect(other.json()).toMatchObject({ matched: 0, replayed: 0 });
  }, 60_000);
});
