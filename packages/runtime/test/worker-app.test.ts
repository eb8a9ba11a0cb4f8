import { PermanentError } from '@cauce/base';
import { createDb } from '@cauce/db';
import { metricValue, scrape, setupTestEnv, startApp, waitFor } from '@cauce/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { startWorkerApp, type WorkerApp } from '../src/worker-app.ts';
import { workerEnv } from '../src/worker-config.ts';
import { testQueueHandler } from './fixtures/test-queue.ts';

const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 2 });
const queue = new Queue('runtime-test', { connection: { url: env.redisUrl }, prefix: env.prefix });
const calls = new Map<string, number>();
let app: WorkerApp;

beforeAll(async () => {
  const config = parseConfig(workerEnv, { ...env.env, WORKER_PORT: '0', BACKOFF_TIME_SCALE: '0.001' });
  app = await startWorkerApp({
    name: 'runtime-test',
    config,
    defaultPort: 0,
    handlers: () => [
      testQueueHandler(
        'runtime-test',
        ['flaky', 'doomed', 'permanent', 'delayed-one'],
        async (job) => {
          const n = (calls.get(job.data.key) ?? 0) + 1;
          calls.set(job.data.key, n);
          if (job.data.mode === 'permanent')
            throw new PermanentError('bad request from provider', { status: 400 });
          if (n <= job.data.failTimes) throw new Error(`transient failure ${n}`);
          return { ok: true, attempt: n };
        },
        4,
      ),
    ],
  });
});

afterAll(async () => {
  await app?.close();
  await queue.close();
  await db.$disconnect();
});

async function finished(jobId: string) {
  return waitFor(
    async () => {
      // State first, job after: a job read before its last attempt ended has stale attemptsMade.
      const state = await queue.getJobState(jobId);
      if (state !== 'completed' && state !== 'failed') return null;
      return { job: (await queue.getJob(jobId))!, state };
    },
    { message: `job ${jobId} to finish` },
  );
}

const retrying = { attempts: 3, backoff: { type: 'geometric-x5', delay: 1000 } };

describe('worker runtime', () => {
  it('retries a failing job with backoff and completes it', async () => {
    const started = Date.now();
    await queue.add('flaky', { key: 'a', failTimes: 2 }, { ...retrying, jobId: 'a' });
    const { job, state } = await finished('a');
    expect(state).toBe('completed');
    expect(job.attemptsMade).toBe(3); // BullMQ counts the successful attempt too
    expect(job.returnvalue).toEqual({ ok: true, attempt: 3 });
    expect(calls.get('a')).toBe(3);
    // 1000*5^0 and 1000*5^1 scaled by 0.001: well under a second, not the real 6 s.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await db.jobFailure.count({ where: { jobId: 'a' } })).toBe(0);
  });

  it('copies a job to job_failures on its final failed attempt', async () => {
    await queue.add(
      'doomed',
      { key: 'b', failTimes: 99, email: 'x@example.com' },
      { ...retrying, jobId: 'b' },
    );
    const { state } = await finished('b');
    expect(state).toBe('failed');
    const rows = await waitFor(() =>
      db.jobFailure.findMany({ where: { jobId: 'b' } }).then((r) => (r.length ? r : null)),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      queue: 'runtime-test',
      jobName: 'doomed',
      attempts: 3,
      error: 'transient failure 3',
    });
    expect(rows[0]!.data).toEqual({ key: 'b', failTimes: 99, email: 'x@example.com' });
    expect(calls.get('b')).toBe(3);
  });

  it('dead-letters a job whose name has no handler on its queue, without retrying', async () => {
    await queue.add('no-such-job', { key: 'u' }, { ...retrying, jobId: 'u' });
    const { state } = await finished('u');
    expect(state).toBe('failed');
    expect(calls.has('u')).toBe(false);
    const row = await waitFor(() => db.jobFailure.findFirst({ where: { jobId: 'u' } }));
    expect(row).toMatchObject({ attempts: 1, error: 'no handler for job no-such-job on runtime-test' });
  });

  it('fails fast on a permanent error without retrying', async () => {
    await queue.add('permanent', { key: 'c', mode: 'permanent' }, { ...retrying, jobId: 'c' });
    const { state } = await finished('c');
    expect(state).toBe('failed');
    expect(calls.get('c')).toBe(1);
    const row = await waitFor(() => db.jobFailure.findFirst({ where: { jobId: 'c' } }));
    expect(row).toMatchObject({ attempts: 1, error: 'bad request from provider' });
  });

  it('serves /metrics with job counters, durations and queue depth, and /health', async () => {
    await queue.add('delayed-one', { key: 'd', failTimes: 0 }, { delay: 60_000, jobId: 'd' });
    const text = await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text();
    const q = { queue: 'runtime-test' };
    expect(metricValue(text, 'jobs_processed_total', { ...q, type: 'flaky' })).toBe(1);
    expect(metricValue(text, 'jobs_failed_total', { ...q, type: 'doomed', final: 'true' })).toBe(1);
    expect(metricValue(text, 'jobs_failed_total', { ...q, type: 'doomed', final: 'false' })).toBe(2);
    expect(metricValue(text, 'jobs_dead_lettered_total', { ...q, type: 'permanent' })).toBe(1);
    expect(
      metricValue(text, 'job_duration_seconds_count', { ...q, type: 'flaky', outcome: 'completed' }),
    ).toBe(1);
    expect(metricValue(text, 'queue_jobs', { ...q, state: 'delayed' })).toBe(1);
    expect(metricValue(text, 'queue_jobs', { ...q, state: 'failed' })).toBe(3);
    expect(metricValue(text, 'queue_oldest_waiting_seconds', q)).toBe(0);
    expect(text).toMatch(/process_resident_memory_bytes/);
    const health = await (await fetch(`http://127.0.0.1:${app.port}/health`)).json();
    expect(health).toMatchObject({
      status: 'ok',
      app: 'runtime-test',
      redis: 'up',
      queues: ['runtime-test'],
    });
  });

  it('reports the age of the oldest waiting job', async () => {
    const paused = new Queue('runtime-backlog', { connection: { url: env.redisUrl }, prefix: env.prefix });
    const backlog = await startWorkerApp({
      name: 'backlog',
      config: parseConfig(workerEnv, { ...env.env, WORKER_PORT: '0' }),
      defaultPort: 0,
      handlers: () => [],
      metricQueues: ['runtime-backlog'],
    });
    try {
      await paused.add('waiting', {}, { timestamp: Date.now() - 90_000 });
      const age = await scrape(`http://127.0.0.1:${backlog.port}/metrics`, 'queue_oldest_waiting_seconds', {
        queue: 'runtime-backlog',
      });
      expect(age).toBeGreaterThanOrEqual(89);
      expect(age).toBeLessThan(120);
    } finally {
      await backlog.close();
      await paused.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes the active job on SIGTERM, leaves the rest queued, and loses none', async () => {
    const slow = new Queue('slow', { connection: { url: env.redisUrl }, prefix: env.prefix });
    try {
      for (const n of [1, 2, 3]) await slow.add('slow', { n }, { jobId: `s${n}` });
      const childEnv = { ...env.env, WORKER_PORT: '0', SLOW_JOB_MS: '1500' };
      const first = await startApp('packages/runtime/test/fixtures/slow-worker.ts', childEnv);
      await waitFor(async () => (await slow.getJob('s1'))?.isActive(), {
        message: 'job s1 active',
        timeoutMs: 30_000,
      });
      const code = await first.stop('SIGTERM');
      expect(code).toBe(0);
      expect(await (await slow.getJob('s1'))!.getState()).toBe('completed');
      expect((await slow.getJob('s1'))!.returnvalue).toEqual({ done: 1 });
      const counts = await slow.getJobCounts('waiting', 'active', 'completed', 'failed');
      expect(counts).toEqual({ waiting: 2, active: 0, completed: 1, failed: 0 });

      const second = await startApp('packages/runtime/test/fixtures/slow-worker.ts', {
        ...childEnv,
        SLOW_JOB_MS: '10',
      });
      await waitFor(async () => (await slow.getJobCounts('completed')).completed === 3, {
        message: 'all jobs completed',
      });
      await second.stop('SIGTERM');
    } finally {
      await slow.close();
    }
  });

  it('a webhook-event job that stalls more than BullMQ allows is dead-lettered and its event settled failed', async () => {
    const slow = new Queue('slow', { connection: { url: env.redisUrl }, prefix: env.prefix });
    try {
      const event = await db.webhookEvent.create({
        data: {
          provider: 'beds24',
          eventType: 'MODIFY',
          dedupeKey: 'stall-1',
          status: 'queued',
          payload: {},
        },
      });
      await slow.add(
        'webhook-event',
        { webhookEventId: event.id.toString(), provider: 'beds24', eventType: 'MODIFY' },
        { jobId: 'stall-1' },
      );
      // Each worker takes the job and never finishes it (60 s), and is killed while it holds it.
      const childEnv = {
        ...env.env,
        WORKER_PORT: '0',
        SLOW_JOB_MS: '60000',
        JOB_LOCK_MS: '1000',
        STALLED_INTERVAL_MS: '1000',
      };
      for (let started = 1; started <= 2; started++) {
        const w = await startApp('packages/runtime/test/fixtures/slow-worker.ts', childEnv);
        await waitFor(
          async () => {
            const job = await slow.getJob('stall-1');
            return (await job?.isActive()) && (job?.attemptsStarted ?? 0) >= started;
          },
          { message: `job taken for the ${started}. time`, timeoutMs: 30_000 },
        );
        await w.stop('SIGKILL');
      }
      // The third worker finds the second stall: BullMQ fails the job without running a processor.
      const third = await startApp('packages/runtime/test/fixtures/slow-worker.ts', childEnv);
      try {
        await expect
          .poll(async () => (await db.webhookEvent.findUniqueOrThrow({ where: { id: event.id } })).status, {
            timeout: 30_000,
          })
          .toBe('failed');
        const row = await db.webhookEvent.findUniqueOrThrow({ where: { id: event.id } });
        expect(row.error).toMatch(/stalled/i);
        await expect
          .poll(async () => db.jobFailure.count({ where: { queue: 'slow', jobId: 'stall-1' } }), {
            timeout: 30_000,
          })
          .toBe(1);
      } finally {
        await third.stop('SIGTERM');
      }
    } finally {
      await slow.close();
    }
  });
});
