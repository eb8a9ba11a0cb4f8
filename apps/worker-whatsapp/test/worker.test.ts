import { writeFileSync } from 'node:fs';
import { createDb } from '@cauce/db';
import { QUEUES } from '@cauce/queues';
import type { WorkerApp } from '@cauce/runtime';
import { scrape, setupTestEnv, waitFor } from '@cauce/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWhatsappWorker } from '../src/app.ts';
import type { WhatsappConfig } from '../src/config.ts';
import { connection, connectionsDir, whatsappConfig } from './support.ts';

const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 2 });
const files = await connectionsDir();
const queue = new Queue(QUEUES.whatsappNumbers, { connection: { url: env.redisUrl }, prefix: env.prefix });
let worker: WorkerApp<WhatsappConfig>;

const ventas = connection('206540352242901', '+57 310 111 1111', 'Ventas');
const soporte = connection('206540352242902', '310 222 2222', 'Soporte');
const nuevo = connection('206540352242903', '310 333 3333', 'Nuevo');

beforeAll(async () => {
  await files.write([ventas, soporte]);
  worker = await startWhatsappWorker(whatsappConfig(env, files.file));
});
afterAll(async () => {
  await worker?.close();
  await queue.close();
  await db.$disconnect();
});

const metric = (name: string, labels: Record<string, string> = {}) =>
  scrape(`http://127.0.0.1:${worker.port}/metrics`, name, labels);
const numberRow = (numberId: string) => db.crmWhatsappNumber.findUnique({ where: { numberId } });
/** Every job that exists (a job whose rows are committed may not be marked completed yet). */
const jobCount = () => queue.getJobCountByTypes('completed', 'failed', 'waiting', 'active', 'delayed');

describe('worker-whatsapp', () => {
  it('syncs the file at start-up through the queue and reports it in metrics', async () => {
    // The rows commit a moment before BullMQ records the job as completed: wait for the job.
    const [job] = await waitFor(
      async () => {
        const done = await queue.getJobs(['completed']);
        return done.length ? done : null;
      },
      { message: 'start-up sync' },
    );
    expect(await db.crmWhatsappNumber.count()).toBe(2);
    expect(job!.data).toEqual({ trigger: 'file' });
    expect(job!.returnvalue.counts).toMatchObject({ added: 2, unassigned: 2 });
    expect(job!.returnvalue.unassigned.map((n: { displayName: string }) => n.displayName).sort()).toEqual([
      'Soporte',
      'Ventas',
    ]);
    expect(await metric('whatsapp_numbers_sync_total', { outcome: 'succeeded' })).toBe(1);
    expect(await metric('whatsapp_numbers_sync_changes_total', { change: 'added' })).toBe(2);
    expect(await metric('whatsapp_numbers', { state: 'active' })).toBe(2);
    expect(await metric('whatsapp_numbers', { state: 'unassigned' })).toBe(2);
    expect(await metric('whatsapp_numbers', { state: 'inactive' })).toBe(0);
    expect(
      await metric('last_successful_sync_timestamp_seconds', { sync: 'whatsapp_numbers' }),
    ).toBeGreaterThan(Date.now() / 1000 - 60);
    const health = await (await fetch(`http://127.0.0.1:${worker.port}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', whatsapp: { enabled: true, watcher: 'watching' } });
  });

  it('the watcher picks up an edit: a new number is live within seconds, without cron', async () => {
    const started = Date.now();
    await files.replace([ventas, soporte, nuevo]); // atomic rename, as deploy tools write
    const row = await waitFor(() => numberRow(nuevo.phoneNumberId), {
      timeoutMs: 5000,
      message: 'new number',
    });
    expect(row).toMatchObject({ phoneNumber: '+573103333333', displayName: 'Nuevo', isActive: true });
    expect(Date.now() - started).toBeLessThan(5000);

    await files.write([ventas, { ...soporte, alias: 'Soporte 24h' }, nuevo]); // in place, as an editor saves
    await waitFor(async () => (await numberRow(soporte.phoneNumberId))?.displayName === 'Soporte 24h', {
      timeoutMs: 5000,
      message: 'in-place edit',
    });
  });

  it('a burst of writes is debounced into one sync job', async () => {
    const before = await jobCount();
    // Synchronous writes: the five land within the debounce window however loaded the machine is.
    for (let i = 0; i < 5; i++)
      writeFileSync(files.file, JSON.stringify([ventas, { ...soporte, alias: `Soporte v${i}` }, nuevo]));
    await waitFor(async () => (await numberRow(soporte.phoneNumberId))?.displayName === 'Soporte v4', {
      timeoutMs: 5000,
      message: 'last write of the burst',
    });
    await new Promise((r) => setTimeout(r, 400)); // time for any straggler job to show up
    expect((await jobCount()) - before).toBe(1);
  });

  it('a malformed edit fails the job for good (dead-lettered), changes nothing, and the next edit recovers', async () => {
    const before = await db.crmWhatsappNumber.findMany({ orderBy: { id: 'asc' } });
    await files.write('[{"phoneNumberId": "206540352242904", ');
    const failure = await waitFor(
      () => db.jobFailure.findFirst({ where: { queue: QUEUES.whatsappNumbers } }),
      {
        timeoutMs: 5000,
        message: 'dead letter',
      },
    );
    expect(failure.error).toMatch(/connections\.json: malformed JSON \(/);
    expect(failure.attempts).toBe(1); // permanent: retrying reads the same bytes
    expect(await metric('whatsapp_numbers_sync_total', { outcome: 'invalid_file' })).toBe(1);
    expect(await db.crmWhatsappNumber.findMany({ orderBy: { id: 'asc' } })).toEqual(before);

    await files.write([ventas, soporte]);
    await waitFor(async () => (await numberRow(nuevo.phoneNumberId))?.isActive === false, {
      timeoutMs: 5000,
      message: 'recovery sync',
    });
    expect(await metric('whatsapp_numbers', { state: 'inactive' })).toBe(1);
  });

  it('two replicas watching the same file add one job per change', async () => {
    const second = await startWhatsappWorker(whatsappConfig(env, files.file));
    try {
      await new Promise((r) => setTimeout(r, 300)); // its start-up job (same content: deduplicated)
      const before = await jobCount();
      await files.replace([ventas, soporte, nuevo]);
      await waitFor(async () => (await numberRow(nuevo.phoneNumberId))?.isActive === true, {
        timeoutMs: 5000,
        message: 'edit seen by the replicas',
      });
      await new Promise((r) => setTimeout(r, 400));
      expect((await jobCount()) - before).toBe(1);
    } finally {
      await second.close();
    }
  });
});
