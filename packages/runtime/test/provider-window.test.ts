import { HttpClient } from '@cauce/base';
import { createDb } from '@cauce/db';
import { buildSim, type SimContext } from '@cauce/provider-sim/server';
import { scrape, setupTestEnv, waitFor } from '@cauce/testkit';
import { type Job, Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { startWorkerApp, type WorkerApp } from '../src/worker-app.ts';
import { workerEnv } from '../src/worker-config.ts';
import { testQueueHandler } from './fixtures/test-queue.ts';

// A provider time window (429 + Retry-After) pauses the queue and hands the job back without
// counting an attempt: every provider client on HttpClient (SIIGO, GHL, Stripe, PayPal, ManyChat,
// Bigin, CallBell) raises the same RetryableError with retryAfterMs, so this covers them all.
const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 2 });
let sim: FastifyInstance;
let simCtx: SimContext;
let client: HttpClient;
const apps: WorkerApp[] = [];
const queues: Queue[] = [];

beforeAll(async () => {
  ({ app: sim, ctx: simCtx } = await buildSim());
  sim.get('/fake/contacts', async () => ({ contacts: [] }));
  await sim.listen({ port: 0, host: '127.0.0.1' });
  const addr = sim.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  // The clients' defaults: a Retry-After longer than 30 s is not slept inside the call.
  client = new HttpClient({ provider: 'fake', baseUrl: base, retries: 2, maxRetryDelayMs: 30_000 });
});
afterAll(async () => {
  for (const a of apps) await a.close();
  for (const q of queues) await q.close();
  await client?.close();
  await sim?.close();
  await db.$disconnect();
});

const setFaults = (rules: unknown[]) => sim.inject({ method: 'PUT', url: '/__sim/faults', payload: rules });

/** A worker app whose one queue calls the fake provider once per job. */
async function startProviderWorker(queue: string, vars: Record<string, string> = {}) {
  const app = await startWorkerApp({
    name: queue,
    config: parseConfig(workerEnv, {
      ...env.env,
      WORKER_PORT: '0',
      WORKER_HOST: '127.0.0.1',
      BACKOFF_TIME_SCALE: '0.001',
      ...vars,
    }),
    defaultPort: 0,
    handlers: () => [
      testQueueHandler(queue, ['sync'], async () => (await client.get('/fake/contacts')).status, 4),
    ],
  });
  apps.push(app);
  const q = new Queue(queue, { connection: { url: env.redisUrl }, prefix: env.prefix });
  queues.push(q);
  return { app, queue: q };
}

const finished = (queue: Queue, ids: string[], timeoutMs: number) =>
  waitFor(
    async () => {
      const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
      if (!states.every((s) => s === 'completed' || s === 'failed')) return null;
      return (await Promise.all(ids.map((id) => queue.getJob(id)))) as Job[];
    },
    { timeoutMs, message: `jobs ${ids.join(', ')} to finish` },
  );

const opts = { attempts: 2, backoff: { type: 'exponential', delay: 1000 } };

describe('provider time windows', () => {
  it('429 with Retry-After: 120: the queue waits the window out, no attempt is counted, nothing is dead-lettered', async () => {
    const { app, queue } = await startProviderWorker('window-429');
    const windowStart = Date.now();
    await setFaults([{ route: '^GET /fake/contacts$', rateLimitWindowSeconds: 120 }]);
    const first = await sim.inject({ method: 'GET', url: '/fake/contacts' });
    expect(first.statusCode).toBe(429);
    expect(first.headers['retry-after']).toBe('120');
    simCtx.calls.reset();

    const ids = Array.from({ length: 8 }, (_, i) => `w429-${i}`);
    for (const id of ids) await queue.add('sync', { id }, { ...opts, jobId: id });
    const jobs = await finished(queue, ids, 200_000);

    for (const job of jobs) {
      expect(await job.getState()).toBe('completed');
      expect(job.returnvalue).toBe(200);
      expect(job.attemptsMade).toBe(1); // BullMQ counts the successful attempt: none was spent on the window
      expect(job.finishedOn!).toBeGreaterThanOrEqual(windowStart + 120_000);
    }
    expect(await db.jobFailure.count()).toBe(0);
    // The queue paused: the provider saw at most one 429 per worker slot (plus one in-call retry
    // each would be a bug: the 120 s wait is not slept inside the call), then one call per job.
    expect(simCtx.calls.count('GET /fake/contacts')).toBeLessThanOrEqual(ids.length + 4);
    const metrics = `http://127.0.0.1:${app.port}/metrics`;
    expect(await scrape(metrics, 'jobs_rate_limited_total', { queue: 'window-429' })).toBeGreaterThan(0);
    // No attempt failed at all (the series only appears with a first failure).
    expect((await scrape(metrics, 'jobs_failed_total', { queue: 'window-429' })) ?? 0).toBe(0);
  }, 240_000);

  it('a provider that never stops asking: windows are capped, and after the allowed deferrals attempts count', async () => {
    const { queue } = await startProviderWorker('window-endless', {
      PROVIDER_WINDOW_MAX_MS: '1000',
      PROVIDER_WINDOW_MAX_DEFERRALS: '2',
    });
    // Retry-After: 3600 on every call for the next hour.
    await setFaults([{ route: '^GET /fake/contacts$', rateLimitWindowSeconds: 3600 }]);
    await queue.add('sync', { id: 'endless' }, { ...opts, jobId: 'endless' });
    const [job] = await finished(queue, ['endless'], 30_000);
    expect(await job!.getState()).toBe('failed');
    expect(job!.attemptsMade).toBe(2);
    expect(job!.attemptsStarted).toBe(4); // 2 windows of 1 s, then the job's 2 attempts
    const dead = await waitFor(() => db.jobFailure.findFirst({ where: { jobId: 'endless' } }));
    expect(dead).toMatchObject({ queue: 'window-endless', attempts: 2 });
    expect(dead.error).toMatch(/429/);
  }, 60_000);
});
