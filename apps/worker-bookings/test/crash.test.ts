import { QUEUES } from '@cauce/queues';
import { freePort, startApp, waitFor } from '@cauce/testkit';
import { Job } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { type BookingsWorker, startBookingsWorker } from '../src/app.ts';
import {
  BOOKINGS_ENDPOINT,
  bookingsConfig,
  setupBookingsTest,
  storeAndEnqueue,
  workerEnvFor,
} from './support.ts';

const { env, db, producer, sim } = await setupBookingsTest();
let second: BookingsWorker | undefined;

afterAll(async () => {
  await second?.close();
});

describe('a worker killed with SIGKILL mid-job', () => {
  it('leaves the job to a second worker (stalled-job recovery) and the row ends correct', async () => {
    const b = await sim.create({ firstName: 'Sobreviviente' });
    // The fetch hangs long enough for the kill to land while the job is active.
    await sim.faults([{ route: '^GET /beds24/v2/bookings$', latencyMs: 20_000 }]);
    const port = await freePort();
    const lock = { JOB_LOCK_MS: '1000', STALLED_INTERVAL_MS: '1000' };
    const child = await startApp(
      'apps/worker-bookings/src/main.ts',
      workerEnvFor(env, sim, { ...lock, WORKER_PORT: String(port) }),
      { readyUrl: `http://127.0.0.1:${port}/health` },
    );
    let killed = false;
    try {
      const { job, event } = await storeAndEnqueue(db, producer, b.id, 'CREATED');
      await waitFor(async () => (await job.getState()) === 'active', { message: 'job active in the child' });
      await new Promise((r) => setTimeout(r, 300)); // the fetch is now held by the simulator
      expect(await child.stop('SIGKILL')).toBeNull();
      killed = true;
      expect(await db.booking.count({ where: { bookingId: String(b.id) } })).toBe(0);

      await sim.faults([]);
      await sim.resetCalls();
      // Its own lock is longer: under a loaded test run a late renewal must not count as a second
      // stall (that would fail the job); the dead child's 1 s lock still expires at once.
      second = await startBookingsWorker(
        bookingsConfig(env, sim, { JOB_LOCK_MS: '10000', STALLED_INTERVAL_MS: '1000' }),
      );
      const done = await waitFor(
        async () => {
          // State first, then the job: a job read before it completes keeps a null returnvalue.
          const state = await producer.queue(QUEUES.beds24Sync).getJobState(job.id!);
          return state === 'completed' ? Job.fromId(producer.queue(QUEUES.beds24Sync), job.id!) : null;
        },
        { timeoutMs: 20_000, message: 'job completed by the second worker' },
      );
      expect(done.returnvalue).toMatchObject({ outcome: 'upserted', upsert: 'inserted' });
      expect((await db.booking.findUnique({ where: { bookingId: String(b.id) } }))?.guestName).toMatch(
        /^Sobreviviente/,
      );
      expect((await db.webhookEvent.findUnique({ where: { id: event.id } }))?.status).toBe('processed');
      expect((await sim.calls())[BOOKINGS_ENDPOINT]).toBe(1);
      expect(await db.jobFailure.count()).toBe(0);
    } finally {
      if (!killed) await child.stop('SIGKILL');
    }
  });
});
