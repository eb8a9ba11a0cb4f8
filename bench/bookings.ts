/**
 * `pnpm bench:bookings`: worker-bookings against provider-sim (its own process, zero latency) and
 * local PostgreSQL and Redis. Stores and queues webhooks exactly as the ingress does, starts the
 * worker on the paused queue, then times it from resume to the last job's end (job events are the
 * clock; the webhook_events rows are then checked, every one must be 'processed'):
 *   1. 10,000 webhooks for 10,000 distinct bookings (every job fetches): bookings/s;
 *   2. 10,000 webhooks for 1,000 distinct bookings: how many Beds24 API calls collapsing leaves.
 * Baseline, same run: a bare BullMQ worker (concurrency 10) that only acknowledges 10,000 jobs.
 * Our worker runs at its default concurrency (BEDS24_SYNC_CONCURRENCY): jobs running together
 * share one Beds24 request and one upsert-and-settle statement, so it needs more jobs in flight
 * than a no-op worker does. BEDS24_SYNC_CONCURRENCY, BEDS24_FETCH_BATCH_MAX and
 * DB_POOL_MAX in the environment override the worker's defaults.
 */
import { randomBytes } from 'node:crypto';
import { createDb } from '@cauce/db';
import { BEDS24_SIM_CREDENTIALS } from '@cauce/provider-sim/providers/beds24';
import { JOBS, Producer, QUEUES, toJobId } from '@cauce/queues';
import { createRedis, duplicateRedis, parseConfig } from '@cauce/runtime';
import { Queue, Worker } from 'bullmq';
import { startBookingsWorker } from '../apps/worker-bookings/src/app.ts';
import { bookingsEnv } from '../apps/worker-bookings/src/config.ts';
import { createTestDatabase, ensureTemplateDatabase } from '../packages/testkit/src/database.ts';
import { deleteRedisPrefix } from '../packages/testkit/src/redis-prefix.ts';
import { adminUrl, redisUrl, startSimProcess } from './sim-process.ts';

const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 10_000);
const DISTINCT_FOR_COLLAPSE = Math.max(1, Math.round(WEBHOOKS / 10));
const TIME_LIMIT_MS = 120_000;

const { app: sim, base: simBase, json } = await startSimProcess();
const simJson = (method: string, path: string, body?: unknown) =>
  json<Record<string, number>>(method, path, body);

const database = await createTestDatabase(adminUrl, await ensureTemplateDatabase(adminUrl));
const prefix = `bench${randomBytes(4).toString('hex')}`;
const db = createDb(database.url);
const redis = createRedis(redisUrl);
const producer = new Producer(redis, prefix);
const config = parseConfig(bookingsEnv, {
  DATABASE_URL: database.url,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: prefix,
  LOG_LEVEL: 'warn',
  WORKER_PORT: '0',
  WORKER_HOST: '127.0.0.1',
  BEDS24_BASE_URL: `${simBase}/beds24/v2`,
  BEDS24_WRITE_REFRESH_TOKEN: BEDS24_SIM_CREDENTIALS.refreshToken,
  // The worker's own defaults unless these tuning knobs are set.
  ...Object.fromEntries(
    ['BEDS24_SYNC_CONCURRENCY', 'BEDS24_FETCH_BATCH_MAX', 'DB_POOL_MAX'].flatMap((k) =>
      process.env[k] ? [[k, process.env[k]]] : [],
    ),
  ),
  // The limiter is Beds24's budget in production; here we measure our own code.
  BEDS24_CREDIT_BUDGET: '1000000',
});
const CONCURRENCY = config.BEDS24_SYNC_CONCURRENCY;

/** Stores WEBHOOKS events (bookingIds[i % n]) and queues their jobs, as the ingress does. */
async function enqueue(tag: string, bookingIds: number[]) {
  const rows = Array.from({ length: WEBHOOKS }, (_, i) => {
    const id = bookingIds[i % bookingIds.length]!;
    const dedupeKey = `beds24:${tag}:${i}`;
    return {
      provider: 'beds24',
      eventType: i < bookingIds.length ? 'CREATED' : 'MODIFY',
      dedupeKey,
      entityId: String(id),
      payload: { booking: { id } },
      status: 'queued',
      queue: QUEUES.beds24Sync,
      jobId: toJobId(dedupeKey),
    };
  });
  const stored = [];
  for (let i = 0; i < rows.length; i += 1000)
    stored.push(
      ...(await db.webhookEvent.createManyAndReturn({
        data: rows.slice(i, i + 1000),
        select: { id: true, entityId: true, eventType: true, dedupeKey: true },
      })),
    );
  const queue = producer.queue(QUEUES.beds24Sync);
  for (let i = 0; i < stored.length; i += 1000)
    await queue.addBulk(
      stored.slice(i, i + 1000).map((e) => ({
        name: JOBS.webhookEvent,
        data: {
          webhookEventId: e.id.toString(),
          provider: 'beds24',
          eventType: e.eventType,
          entityId: e.entityId,
        },
        opts: { jobId: toJobId(e.dedupeKey) },
      })),
    );
  return stored.map((e) => e.id);
}

async function runOurs(tag: string, bookingIds: number[]) {
  const ids = await enqueue(tag, bookingIds);
  const first = ids[0]!;
  const last = ids.at(-1)!;
  await simJson('DELETE', '/__sim/calls');
  // The queue is paused while the worker starts, so the clock measures processing, not start-up.
  const queue = producer.queue(QUEUES.beds24Sync);
  await queue.pause();
  const worker = await startBookingsWorker(config);
  const syncWorker = worker.workers.find((w) => w.name === QUEUES.beds24Sync)!;
  try {
    await syncWorker.waitUntilReady();
    let ended = 0;
    const allEnded = new Promise<void>((resolve) => {
      const onEnd = () => {
        if (++ended === WEBHOOKS) resolve();
      };
      syncWorker.on('completed', onEnd);
      syncWorker.on('failed', (job) => {
        if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) onEnd();
      });
    });
    const stopProfile = await startProfile(tag);
    const t0 = performance.now();
    await queue.resume();
    const timedOut = await Promise.race([
      allEnded.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), TIME_LIMIT_MS).unref()),
    ]);
    const seconds = (performance.now() - t0) / 1000;
    await stopProfile();
    if (timedOut) throw new Error(`${tag}: ${WEBHOOKS - ended} jobs unfinished after ${TIME_LIMIT_MS} ms`);
    // The events are the clock; the rows are the truth.
    const failed = await db.webhookEvent.count({
      where: { id: { gte: first, lte: last }, status: { not: 'processed' } },
    });
    const calls = await simJson('GET', '/__sim/calls');
    const apiCalls = Object.entries(calls)
      .filter(([k]) => k.includes('/beds24/'))
      .reduce((a, [, v]) => a + v, 0);
    const fetches = calls['GET /beds24/v2/bookings'] ?? 0;
    return { seconds, rate: WEBHOOKS / seconds, failed, apiCalls, fetches, calls };
  } finally {
    await worker.close();
  }
}

async function runBare() {
  const name = 'bench-bare';
  const queue = new Queue(name, { connection: redis, prefix });
  for (let i = 0; i < WEBHOOKS; i += 1000)
    await queue.addBulk(
      Array.from({ length: 1000 }, (_, k) => ({
        name: 'noop',
        data: { i: i + k },
        opts: { removeOnComplete: { count: 100 } },
      })),
    );
  await queue.pause();
  let done = 0;
  const connection = duplicateRedis(redis, { maxRetriesPerRequest: null });
  const worker = new Worker(name, async () => undefined, { connection, prefix, concurrency: 10 });
  const finished = new Promise<void>((resolve) => {
    worker.on('completed', () => {
      if (++done === WEBHOOKS) resolve();
    });
  });
  await worker.waitUntilReady();
  const t0 = performance.now();
  await queue.resume();
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await worker.close();
  await queue.close();
  connection.disconnect();
  return { seconds, rate: WEBHOOKS / seconds };
}

try {
  const seeded = await simJson('POST', '/__sim/beds24/seed', { count: WEBHOOKS });
  const all = Array.from({ length: WEBHOOKS }, (_, i) => seeded.firstId! + i);
  const bare = await runBare();
  const distinct = await runOurs('distinct', all);
  const collapse = await runOurs('collapse', all.slice(0, DISTINCT_FOR_COLLAPSE));
  const ratio = distinct.rate / bare.rate;

  console.log(
    `\nBeds24 bookings sync, ${WEBHOOKS} queued webhooks, provider-sim at 0 ms latency, worker concurrency ${CONCURRENCY}\n`,
  );
  console.log(
    'scenario                                   seconds   webhooks/s   Beds24 API calls   GET /bookings   not processed',
  );
  const line = (
    label: string,
    r: { seconds: number; rate: number; apiCalls?: number; fetches?: number; failed?: number },
  ) =>
    console.log(
      [
        label.padEnd(40),
        r.seconds.toFixed(2).padStart(7),
        r.rate.toFixed(0).padStart(10),
        String(r.apiCalls ?? '-').padStart(16),
        String(r.fetches ?? '-').padStart(13),
        String(r.failed ?? '-').padStart(13),
      ].join('   '),
    );
  line(`${WEBHOOKS} webhooks, ${WEBHOOKS} distinct bookings`, distinct);
  line(`${WEBHOOKS} webhooks, ${DISTINCT_FOR_COLLAPSE} distinct bookings`, collapse);
  line('baseline: bare BullMQ worker, no-op (c=10)', bare);
  console.log(
    `\nours / bare = ${(100 * ratio).toFixed(1)}% (target >= 20%). Collapsing: ${WEBHOOKS} webhooks for ${DISTINCT_FOR_COLLAPSE} bookings cost ${collapse.apiCalls} API calls (${collapse.fetches} booking fetches + messages + token), against ${2 * WEBHOOKS + 1} without collapsing.`,
  );
  console.log(
    JSON.stringify({
      bench: 'bookings',
      figures: {
        webhooks: WEBHOOKS,
        concurrency: CONCURRENCY,
        distinct_bookings_per_s: round(distinct.rate),
        distinct_seconds: round(distinct.seconds),
        collapse_webhooks_per_s: round(collapse.rate),
        collapse_api_calls: collapse.apiCalls,
        collapse_booking_fetches: collapse.fetches,
        distinct_api_calls: distinct.apiCalls,
        not_processed: distinct.failed + collapse.failed,
      },
      baseline: { bare_bullmq_noop_jobs_per_s: round(bare.rate) },
      ratio: round(ratio),
    }),
  );
} finally {
  await producer.close();
  await db.$disconnect();
  redis.disconnect();
  await deleteRedisPrefix(redisUrl, prefix);
  await database.drop();
  await sim.stop();
}

/**
 * BENCH_CPU_PROFILE=dir writes a V8 CPU profile of this process (the worker) over the timed part
 * of each scenario. Returns the function that stops it.
 */
async function startProfile(name: string): Promise<() => Promise<void>> {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return async () => {};
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/bookings-${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
