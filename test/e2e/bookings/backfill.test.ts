import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { buildIngress } from '@cauce/ingress/app';
import { ingressEnv } from '@cauce/ingress/config';
import { mintToken } from '@cauce/ingress/plugins/auth';
import { QUEUES } from '@cauce/queues';
import { createLogger, parseConfig } from '@cauce/runtime';
import { REPO_ROOT, waitFor } from '@cauce/testkit';
import { type BookingsWorker, startBookingsWorker } from '@cauce/worker-bookings/app';
import {
  BOOKINGS_ENDPOINT,
  bookingsConfig,
  MESSAGES_ENDPOINT,
  setupBookingsTest,
  workerEnvFor,
} from '@cauce/worker-bookings/testing';
import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The backfill CLI as a real child process (what `pnpm --filter @cauce/worker-bookings backfill` runs). */
function startCli(e: Record<string, string>, args: string[]) {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(REPO_ROOT, 'apps/worker-bookings/src/cli.ts'), ...args],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...e },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout.on('data', (d) => {
    out += d;
  });
  proc.stderr.on('data', (d) => {
    out += d;
  });
  // 'close', not 'exit': at 'exit' the last lines may still be in the pipes.
  const exited = new Promise<number | null>((r) => proc.on('close', (c) => r(c)));
  return {
    proc,
    output: () => out,
    exited,
    stop: (signal: NodeJS.Signals) => {
      proc.kill(signal);
      return exited;
    },
  };
}

const { env, db, pool, redis, producer, sim } = await setupBookingsTest();
const registry = (await import('@cauce/runtime')).createRegistry('ingress-test');
let worker: BookingsWorker;
let ingress: Awaited<ReturnType<typeof buildIngress>>;
let admin: string;
let viewer: string;

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  worker = await startBookingsWorker(bookingsConfig(env, sim, { BACKOFF_TIME_SCALE: '0.001' }));
  const config = parseConfig(ingressEnv, { ...env.env, JWT_SECRET: 'x'.repeat(40) });
  ingress = await buildIngress({
    config,
    db,
    pool,
    redis,
    producer,
    log: createLogger('ingress', 'silent'),
    registry,
  });
  admin = mintToken(ingress, 'ops@cauce.test', 'admin');
  viewer = mintToken(ingress, 'look@cauce.test', 'viewer');
});
afterAll(async () => {
  await ingress?.close();
  await worker?.close();
});

describe('Beds24 backfill', () => {
  it('POST /api/admin/beds24/backfill pages through every status, cancelled and past included', async () => {
    // 250 in range (3 pages), some cancelled, some in the past; and some outside the range.
    const inRange: number[] = [];
    for (let i = 0; i < 250; i++) {
      const arrival = day(-20 + (i % 40));
      const departure = day(-20 + (i % 40) + 2);
      const b = await sim.create({ arrival, departure, propertyId: 200101 });
      if (i % 10 === 0) await sim.cancel(b.id);
      inRange.push(b.id);
    }
    for (let i = 0; i < 5; i++)
      await sim.create({ arrival: day(200), departure: day(202), propertyId: 200101 });
    await sim.resetCalls();

    const denied = await ingress.inject({
      method: 'POST',
      url: '/api/admin/beds24/backfill',
      headers: { authorization: `Bearer ${viewer}` },
      payload: { from: day(-20), to: day(19) },
    });
    expect(denied.statusCode).toBe(403);
    const bad = await ingress.inject({
      method: 'POST',
      url: '/api/admin/beds24/backfill',
      headers: { authorization: `Bearer ${admin}` },
      payload: { from: day(5), to: day(1) },
    });
    expect(bad.statusCode).toBe(400);

    const res = await ingress.inject({
      method: 'POST',
      url: '/api/admin/beds24/backfill',
      headers: { authorization: `Bearer ${admin}` },
      payload: { from: day(-20), to: day(19), propertyId: 200101 },
    });
    expect(res.statusCode).toBe(202);
    const { runId } = res.json() as { runId: string };
    expect(runId).toMatch(/^\d+$/);

    const run = await waitFor(
      async () => {
        const r = await db.syncRun.findUnique({ where: { id: BigInt(runId) } });
        return r?.status === 'succeeded' ? r : null;
      },
      { timeoutMs: 20_000, message: 'backfill succeeded' },
    );
    expect(run.processed).toBe(250);
    expect(run.total).toBe(250);
    expect(run.checkpoint).toEqual({ page: 4 });
    expect(run.counters).toMatchObject({ inserted: 250, pages: 3 });
    expect(await db.booking.count({ where: { bookingId: { in: inRange.map(String) } } })).toBe(250);
    expect(await db.booking.count({ where: { status: 'cancelled' } })).toBe(25);
    expect(await db.booking.count({ where: { bdStatus: 'backfill' } })).toBe(250);
    const calls = await sim.calls();
    expect(calls[BOOKINGS_ENDPOINT]).toBe(3);
    expect(calls[MESSAGES_ENDPOINT]).toBe(3);

    const job = await Job.fromId(producer.queue(QUEUES.beds24Backfill), `beds24-backfill-${runId}`);
    expect(job?.progress).toEqual({ page: 3, processed: 250 });

    const view = await ingress.inject({
      method: 'GET',
      url: `/api/admin/beds24/backfill/${runId}`,
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(view.json()).toMatchObject({ runId, status: 'succeeded', processed: 250 });
  });

  it('the CLI resumes a run killed mid-way from its checkpoint instead of starting over', async () => {
    for (let i = 0; i < 250; i++)
      await sim.create({ arrival: day(1 + (i % 30)), departure: day(3 + (i % 30)), propertyId: 200102 });
    const cliEnv = { ...workerEnvFor(env, sim), LOG_LEVEL: 'silent' };
    const args = ['--from', day(0), '--to', day(40), '--property', '200102'];
    // Every list page takes 1.5 s: the kill lands while page 3 is in flight.
    await sim.faults([{ route: '^GET /beds24/v2/bookings$', latencyMs: 1_500 }]);
    const first = startCli(cliEnv, args);
    const run = await waitFor(
      async () => {
        const r = await db.syncRun.findFirst({
          where: { source: 'beds24', params: { path: ['propertyId'], equals: '200102' } },
        });
        return r && (r.checkpoint as { page: number }).page === 3 ? r : null;
      },
      { timeoutMs: 20_000, message: 'two pages checkpointed' },
    );
    expect(await first.stop('SIGKILL')).toBeNull();
    expect(run.processed).toBe(200);
    expect(run.status).toBe('running');

    await sim.faults([]);
    await sim.resetCalls();
    const second = startCli(cliEnv, args);
    const code = await second.exited;
    expect(second.output()).toContain(`resuming run ${run.id}`);
    expect(code).toBe(0);
    const done = await db.syncRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(done).toMatchObject({ status: 'succeeded', processed: 250, total: 250 });
    expect(done.checkpoint).toEqual({ page: 4 });
    // Only page 3 was asked for again.
    expect((await sim.calls())[BOOKINGS_ENDPOINT]).toBe(1);
    expect(await db.booking.count({ where: { propertyId: '200102' } })).toBe(250);
  });
});
