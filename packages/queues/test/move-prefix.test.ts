import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { createRedis } from '@cauce/runtime';
import { deleteRedisPrefix, REPO_ROOT, setupTestEnv, waitFor } from '@cauce/testkit';
import { FlowProducer, Queue, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { ActiveJobsError, moveQueuePrefix, QUEUES } from '../src/index.ts';

/**
 * The prefix move against the real Redis: an "old" prefix holding waiting, prioritized and
 * delayed jobs, a job scheduler, a failed job and a flow, moved to a "new" one, as an upgrade from
 * the `cauce` default does. Both prefixes are this file's own.
 */
const env = await setupTestEnv();
const FROM = `${env.prefix}:old`;
const TO = `${env.prefix}:new`;
const Q = QUEUES.beds24Backfill;
const redis = createRedis(env.redisUrl);
const queues: Queue[] = [];
const open = (prefix: string, name: string = Q) => {
  const q = new Queue(name, { connection: redis, prefix });
  queues.push(q);
  return q;
};
afterAll(async () => {
  for (const q of queues) await q.close();
  await redis.quit();
  await deleteRedisPrefix(env.redisUrl, FROM);
  await deleteRedisPrefix(env.redisUrl, TO);
});

describe('moving jobs to a new queue prefix', () => {
  it('refuses while a job runs under the old prefix', async () => {
    const old = open(FROM, QUEUES.stagingUnify);
    await old.add('staging-unify', { runId: '1' }, { jobId: 'busy' });
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const worker = new Worker(QUEUES.stagingUnify, () => held, { connection: redis, prefix: FROM });
    await waitFor(async () => (await old.getActiveCount()) === 1);
    await expect(moveQueuePrefix({ connection: redis, from: FROM, to: TO })).rejects.toThrow(ActiveJobsError);
    release();
    await waitFor(async () => (await old.getCompletedCount()) === 1);
    await worker.close();
  });

  it('moves waiting, prioritized and delayed jobs with their ids, data and due time; leaves failed and flow jobs', async () => {
    const old = open(FROM);
    await old.add('beds24-backfill', { from: '2026-01-01' }, { jobId: 'plain', attempts: 7 });
    await old.add('beds24-backfill', { from: '2026-02-01' }, { jobId: 'urgent', priority: 3 });
    await old.add('beds24-backfill', { from: '2026-03-01' }, { jobId: 'later', delay: 3_600_000 });
    await old.upsertJobScheduler('nightly', { every: 86_400_000 }, { name: 'beds24-backfill', data: {} });
    const dry = await moveQueuePrefix({ connection: redis, from: FROM, to: TO, queues: [Q], dryRun: true });
    expect(dry).toEqual([
      { queue: Q, moved: 4, alreadyThere: 0, schedulers: 1, left: { flow: 0, failed: 0 } },
    ]);
    expect(await open(TO).getJobCountByTypes('waiting', 'prioritized', 'delayed')).toBe(0);
    expect(await old.getJobSchedulersCount()).toBe(1);

    const dueBefore = (await old.getJob('later'))!.timestamp + 3_600_000;
    const [report] = await moveQueuePrefix({ connection: redis, from: FROM, to: TO, queues: [Q] });
    expect(report).toEqual({
      queue: Q,
      moved: 4,
      alreadyThere: 0,
      schedulers: 1,
      left: { flow: 0, failed: 0 },
    });
    const fresh = open(TO);
    const plain = await fresh.getJob('plain');
    expect(plain).toMatchObject({ name: 'beds24-backfill', data: { from: '2026-01-01' } });
    expect(plain!.opts.attempts).toBe(7);
    expect(await fresh.getJobState('urgent')).toBe('prioritized');
    expect((await fresh.getJob('urgent'))!.opts.priority).toBe(3);
    expect(await fresh.getJobState('later')).toBe('delayed');
    const later = (await fresh.getJob('later'))!;
    // Due when it was due (the move took well under the hour it waits).
    expect(Math.abs(later.timestamp + later.delay - dueBefore)).toBeLessThan(60_000);
    // Gone from the old prefix, with the scheduler; nothing planned there any more.
    for (const id of ['plain', 'urgent', 'later']) expect(await old.getJob(id)).toBeUndefined();
    expect(await old.getJobSchedulersCount()).toBe(0);
    expect(await old.getJobCountByTypes('waiting', 'prioritized', 'delayed')).toBe(0);

    // Run again: nothing more to move, nothing doubled.
    const [again] = await moveQueuePrefix({ connection: redis, from: FROM, to: TO, queues: [Q] });
    expect(again).toMatchObject({ moved: 0, schedulers: 0 });
    expect(await fresh.getJobCountByTypes('waiting', 'prioritized', 'delayed')).toBe(4);
  });

  it('leaves a failed job (its dead letter is in PostgreSQL) and a flow (parent and child move together or not at all)', async () => {
    const failedQ = QUEUES.callbellNotify;
    const old = open(FROM, failedQ);
    await old.add('callbell-notify', {}, { jobId: 'broken', attempts: 1 });
    const worker = new Worker(
      failedQ,
      async () => {
        throw new Error('for good');
      },
      { connection: redis, prefix: FROM },
    );
    await waitFor(async () => (await old.getFailedCount()) === 1);
    await worker.close();
    const flows = new FlowProducer({ connection: redis, prefix: FROM });
    await flows.add({
      name: 'staging-sync',
      queueName: QUEUES.stagingManychat,
      data: {},
      children: [{ name: 'staging-sync', queueName: QUEUES.stagingGhl, data: {} }],
    });
    await flows.close();
    const reports = await moveQueuePrefix({
      connection: redis,
      from: FROM,
      to: TO,
      queues: [failedQ, QUEUES.stagingManychat, QUEUES.stagingGhl],
    });
    expect(reports.map((r) => [r.queue, r.moved, r.left])).toEqual([
      [failedQ, 0, { flow: 0, failed: 1 }],
      [QUEUES.stagingManychat, 0, { flow: 1, failed: 0 }],
      [QUEUES.stagingGhl, 0, { flow: 1, failed: 0 }],
    ]);
    expect(await old.getFailedCount()).toBe(1);
  });

  it('the CLI says what it moved, and refuses the same prefix twice', async () => {
    await open(FROM, QUEUES.biginOrders).add('bigin-order', { orderId: 1 }, { jobId: 'order-1' });
    const run = (args: string[]) =>
      promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', resolve(REPO_ROOT, 'apps/ingress/src/cli/move-prefix.ts'), ...args],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, REDIS_URL: env.redisUrl, QUEUE_PREFIX: TO },
        },
      );
    const out = await run(['--from', FROM]);
    expect(out.stdout).toContain(`${QUEUES.biginOrders}: moved 1`);
    expect(out.stdout).toContain(`moved 1 jobs from "${FROM}" to "${TO}"`);
    expect(await open(TO, QUEUES.biginOrders).getJobState('order-1')).toBe('waiting');
    await expect(run(['--from', TO])).rejects.toMatchObject({ code: 2 });
  });
});
