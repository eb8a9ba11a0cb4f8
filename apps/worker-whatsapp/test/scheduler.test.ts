import { QUEUES } from '@cauce/queues';
import type { WorkerApp } from '@cauce/runtime';
import { setupTestEnv, waitFor } from '@cauce/testkit';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { SYNC_SCHEDULER_ID, startWhatsappWorker } from '../src/app.ts';
import type { WhatsappConfig } from '../src/config.ts';
import { connection, connectionsDir, whatsappConfig } from './support.ts';

const env = await setupTestEnv();
const files = await connectionsDir();
const queue = new Queue(QUEUES.whatsappNumbers, { connection: { url: env.redisUrl }, prefix: env.prefix });
const workers: WorkerApp<WhatsappConfig>[] = [];
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await queue.close();
});

// BullMQ schedulers have had duplicate schedules when replicas upsert at once (bullmq 2876, 2988, 3085, 3262).
describe('hourly job scheduler with several replicas', () => {
  it('two workers starting at once leave exactly one scheduler and one delayed job', async () => {
    await files.write([connection('306540352242901', '+57 320 111 1111', 'Ventas')]);
    const config = whatsappConfig(env, files.file, {
      WHATSAPP_SYNC_SCHEDULE: 'true',
      WHATSAPP_SYNC_INTERVAL_MS: '3600000',
      WHATSAPP_WATCH: 'false',
    });
    workers.push(...(await Promise.all([startWhatsappWorker(config), startWhatsappWorker(config)])));

    // An `every` scheduler runs its first iteration at once; then the next waits an hour.
    await waitFor(async () => (await queue.getJobCounts('completed')).completed === 1, {
      message: 'first iteration',
    });
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.every])).toEqual([[SYNC_SCHEDULER_ID, 3_600_000]]);
    const counts = await queue.getJobCounts('delayed', 'waiting', 'active', 'completed', 'failed');
    expect(counts).toEqual({ delayed: 1, waiting: 0, active: 0, completed: 1, failed: 0 });
    const [next] = await queue.getJobs(['delayed']);
    expect(next!.timestamp + next!.delay).toBeGreaterThan(Date.now() + 3_500_000);

    // A replica restarting (a third upsert) neither duplicates nor moves the schedule.
    workers.push(await startWhatsappWorker(config));
    await new Promise((r) => setTimeout(r, 300));
    expect(await queue.getJobSchedulers()).toHaveLength(1);
    expect(await queue.getJobCounts('delayed', 'completed')).toEqual({ delayed: 1, completed: 1 });
    const [after] = await queue.getJobs(['delayed']);
    expect(after!.timestamp + after!.delay).toBe(next!.timestamp + next!.delay);
  });
});
