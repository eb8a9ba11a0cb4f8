import { QUEUES } from '@cauce/queues';
import { createLogger, createRegistry, parseConfig } from '@cauce/runtime';
import { scrape, waitFor } from '@cauce/testkit';
import { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { type BookingsWorker, startBookingsWorker } from '../src/app.ts';
import { bookingsEnv } from '../src/config.ts';
import { createBookingsService } from '../src/service.ts';
import {
  BOOKINGS_ENDPOINT,
  bookingsConfig,
  setupBookingsTest,
  storeAndEnqueue,
  TOKEN_ENDPOINT,
  workerEnvFor,
} from './support.ts';

const { env, db, pool, redis, producer, sim } = await setupBookingsTest();
let worker: BookingsWorker | undefined;

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await sim.faults([]);
});

/** Forgets the access token earlier tests cached in Redis, so token calls can be counted. */
async function dropCachedTokens() {
  const keys = await redis.keys(`${env.prefix}:beds24:token:*`);
  if (keys.length) await redis.del(...keys);
}

const finished = (jobId: string) =>
  waitFor(
    async () => {
      const job = await Job.fromId(producer.queue(QUEUES.beds24Sync), jobId);
      return job?.finishedOn ? job : null;
    },
    { message: `job ${jobId} finished`, timeoutMs: 15_000 },
  );

describe('Beds24 faults', () => {
  it('500 twice then 200: the job succeeds on attempt 3 after the scaled 5 s / 25 s backoff', async () => {
    // Scale 0.01: 50 ms then 250 ms (unscaled this would take 30 s).
    worker = await startBookingsWorker(bookingsConfig(env, sim, { BACKOFF_TIME_SCALE: '0.01' }));
    const b = await sim.create({ firstName: 'Reintento' });
    await sim.faults([{ route: '^GET /beds24/v2/bookings$', failNext: [500, 500] }]);
    await sim.resetCalls();
    const { job, event } = await storeAndEnqueue(db, producer, b.id, 'CREATED');
    const done = await finished(job.id!);
    expect(await done.getState()).toBe('completed');
    expect(done.returnvalue).toMatchObject({ outcome: 'upserted' });
    expect(done.attemptsStarted).toBe(3);
    const elapsed = done.finishedOn! - done.timestamp;
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(5_000);
    expect((await sim.calls())[BOOKINGS_ENDPOINT]).toBe(3);
    expect((await db.booking.findUnique({ where: { bookingId: String(b.id) } }))?.guestName).toMatch(
      /^Reintento/,
    );
    expect((await db.webhookEvent.findUnique({ where: { id: event.id } }))?.status).toBe('processed');
    const metrics = `http://127.0.0.1:${worker.port}/metrics`;
    expect(await scrape(metrics, 'jobs_failed_total', { type: 'webhook-event', final: 'false' })).toBe(2);
    expect(
      await scrape(metrics, 'beds24_api_calls_total', { endpoint: 'GET /bookings', status: '500' }),
    ).toBe(2);
    expect(await db.jobFailure.count()).toBe(0);
  });

  it('a 500 on every attempt ends in job_failures after 3 attempts, the event marked failed', async () => {
    worker = await startBookingsWorker(bookingsConfig(env, sim));
    const b = await sim.create({});
    await sim.faults([{ route: '^GET /beds24/v2/bookings$', errorRate: 1, errorStatus: 503 }]);
    const { job, event } = await storeAndEnqueue(db, producer, b.id, 'MODIFY');
    const done = await finished(job.id!);
    expect(done.failedReason).toMatch(/503/);
    const dead = await waitFor(() => db.jobFailure.findFirst({ where: { jobId: job.id! } }));
    expect(dead).toMatchObject({ queue: QUEUES.beds24Sync, attempts: 3 });
    expect((await db.webhookEvent.findUnique({ where: { id: event.id } }))?.status).toBe('failed');
  });

  it('a 401 triggers exactly one token refresh, shared by replicas through Redis', async () => {
    await sim.resetCalls();
    const config = bookingsConfig(env, sim);
    const log = createLogger('test', 'silent');
    // Two replicas: separate clients and processes' worth of state, one Redis.
    const a = createBookingsService({ config, db, pool, redis, log, registry: createRegistry('a') });
    const c = createBookingsService({ config, db, pool, redis, log, registry: createRegistry('b') });
    try {
      await dropCachedTokens();
      const b = await sim.create({});
      await Promise.all([a.client.getBooking(String(b.id)), c.client.getBooking(String(b.id))]);
      expect((await sim.calls())[TOKEN_ENDPOINT]).toBe(1);
      await sim.config({ expireTokens: true });
      const [ra, rc] = await Promise.all([
        a.client.getBooking(String(b.id)),
        c.client.getBooking(String(b.id)),
      ]);
      expect(ra?.booking.id).toBe(b.id);
      expect(rc?.booking.id).toBe(b.id);
      const calls = await sim.calls();
      expect(calls[TOKEN_ENDPOINT]).toBe(2);
      const renewals = async (s: typeof a) =>
        (await s.metrics.tokenRenewals.get()).values.reduce((n, v) => n + v.value, 0);
      expect((await renewals(a)) + (await renewals(c))).toBe(2);
    } finally {
      await a.close();
      await c.close();
    }
  });

  it('a revoked long-life token fails fast (no retries) into job_failures', async () => {
    worker = await startBookingsWorker(
      parseConfig(bookingsEnv, {
        ...workerEnvFor(env, sim),
        BEDS24_WRITE_REFRESH_TOKEN: undefined,
        BEDS24_TOKEN: 'revoked-token',
      }),
    );
    const b = await sim.create({});
    const { job } = await storeAndEnqueue(db, producer, b.id, 'MODIFY');
    const done = await finished(job.id!);
    expect(done.attemptsStarted).toBe(1);
    expect(done.failedReason).toMatch(/401/);
    expect(await waitFor(() => db.jobFailure.findFirst({ where: { jobId: job.id! } }))).toMatchObject({
      attempts: 1,
    });
  });

  it('low credits pause every replica until the window resets; both header spellings are read', async () => {
    const config = bookingsConfig(env, sim, { BEDS24_CREDIT_FLOOR: '5', BEDS24_MAX_WAIT_MS: '1000' });
    const registry = createRegistry('credits');
    const s = createBookingsService({ config, db, pool, redis, log: createLogger('t', 'silent'), registry });
    try {
      await dropCachedTokens();
      await sim.config({ headerStyle: 'live', creditLimit: 10, requestCost: 3, resetCredits: true });
      const b = await sim.create({});
      // The token (3) and the booking (3) leave 4 credits: below the floor of 5.
      await s.client.getBooking(String(b.id), { withMessages: false });
      expect((await registry.getSingleMetric('beds24_credits_remaining')!.get()).values[0]!.value).toBe(4);
      // The block is in Redis, where every replica's budget reads it.
      expect((await s.budget.state()).blockedMs).toBeGreaterThan(60_000);
      // The next call does not spend credits: it goes back to the queue as retryable.
      const err = await s.client.getBooking(String(b.id)).catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err.retryable).toBe(true);
      expect(err.details.retryAfterMs).toBeGreaterThan(60_000);
    } finally {
      await s.budget.reset();
      await sim.config({ headerStyle: 'spec', creditLimit: 1_000_000, requestCost: 1.6, resetCredits: true });
      await s.close();
    }
  });

  it('credits exhausted for 2 minutes: every job waits the window out, no attempt counted, none dead-lettered', async () => {
    worker = await startBookingsWorker(bookingsConfig(env, sim));
    const bookings = [];
    for (let i = 0; i < 6; i++) bookings.push(await sim.create({ firstName: `Ventana${i}` }));
    try {
      const windowStart = Date.now();
      await sim.config({ exhaustCreditsForSeconds: 120 });
      const sent = [];
      for (const b of bookings) sent.push(await storeAndEnqueue(db, producer, b.id, 'MODIFY'));
      const done = await Promise.all(
        sent.map(({ job }) =>
          waitFor(
            async () => {
              const state = await producer.queue(QUEUES.beds24Sync).getJobState(job.id!);
              if (state !== 'completed' && state !== 'failed') return null;
              return Job.fromId(producer.queue(QUEUES.beds24Sync), job.id!);
            },
            { message: `job ${job.id} finished`, timeoutMs: 200_000 },
          ),
        ),
      );
      for (const j of done) {
        expect(await j!.getState()).toBe('completed');
        expect(j!.attemptsMade).toBe(1); // the successful attempt only: the window cost none
        expect(j!.finishedOn!).toBeGreaterThanOrEqual(windowStart + 120_000);
      }
      const jobIds = sent.map(({ job }) => job.id!);
      expect(await db.jobFailure.count({ where: { jobId: { in: jobIds } } })).toBe(0);
      for (const { event } of sent)
        expect((await db.webhookEvent.findUnique({ where: { id: event.id } }))?.status).toBe('processed');
      for (const b of bookings)
        expect((await db.booking.findUnique({ where: { bookingId: String(b.id) } }))?.guestName).toMatch(
          /^Ventana/,
        );
      const metrics = `http://127.0.0.1:${worker.port}/metrics`;
      expect(await scrape(metrics, 'jobs_rate_limited_total', { queue: QUEUES.beds24Sync })).toBeGreaterThan(
        0,
      );
    } finally {
      await worker?.bookings?.budget.reset();
      await sim.config({ resetCredits: true });
    }
  }, 240_000);

  it('honours 429 Retry-After from Beds24 inside the call when it is short', async () => {
    const config = bookingsConfig(env, sim, { BEDS24_HTTP_RETRIES: '2' });
    const s = createBookingsService({
      config,
      db,
      pool,
      redis,
      log: createLogger('t', 'silent'),
      registry: createRegistry('r'),
    });
    try {
      const b = await sim.create({});
      await sim.faults([{ route: '^GET /beds24/v2/bookings$', burst429: 1, retryAfterSeconds: 0.3 }]);
      const started = Date.now();
      const got = await s.client.getBooking(String(b.id), { withMessages: false });
      expect(got?.booking.id).toBe(b.id);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      await s.close();
    }
  });
});
