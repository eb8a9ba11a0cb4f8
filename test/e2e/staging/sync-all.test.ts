import { createDb } from '@cauce/db';
import { QUEUES, toJobId } from '@cauce/queues';
import { setupTestEnv, waitFor } from '@cauce/testkit';
import { startStagingWorker } from '@cauce/worker-staging';
import { type Sim, stagingConfig, startSim } from '@cauce/worker-staging/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngress } from '../ingress.ts';

const env = await setupTestEnv();

describe('Sync All', () => {
  let sim: Sim;
  let ingress: Awaited<ReturnType<typeof startIngress>>;
  let worker: Awaited<ReturnType<typeof startStagingWorker>>;
  const db = createDb(env.databaseUrl);

  beforeAll(async () => {
    sim = await startSim();
    ingress = await startIngress(env);
    worker = await startStagingWorker(stagingConfig(env, sim));
  });
  afterAll(async () => {
    await worker?.close();
    await ingress?.close();
    await sim?.close();
    await db.$disconnect();
  });

  it('runs the ManyChat lookup only after the GHL and Stripe runs it reads from have finished, and it asks ManyChat', async () => {
    await sim.ghlContacts({
      count: 300,
      contacts: [{ id: 'g-ana', email: 'ana@x.com', phone: '+57 300 555 0001', name: 'Ana' }],
    });
    await sim.stripeObjects({ customers: [{ id: 'cus_luis', email: 'luis@x.com', name: 'Luis' }] });
    await sim.manychatSubscribers([
      { id: 'mc-ana', email: 'ana@x.com', first_name: 'Ana' },
      { id: 'mc-luis', email: 'luis@x.com', first_name: 'Luis' },
    ]);
    // A slow GHL (every page takes a while): a lookup started alongside would find nothing staged.
    await sim.faults([{ route: '^POST /ghl/contacts/search$', latencyMs: 150 }]);

    const res = await ingress.api('POST', '/api/sync/all');
    expect(res.status).toBe(202);
    const ids = Object.fromEntries(
      (res.body.runs as Array<{ run: { id: string; source: string } }>).map((r) => [r.run.source, r.run.id]),
    );
    expect(Object.keys(ids).sort()).toEqual(['ghl', 'manychat', 'paypal', 'stripe']);
    const runs = await waitFor(
      async () => {
        const rows = await db.syncRun.findMany({ where: { id: { in: Object.values(ids).map(BigInt) } } });
        const failed = rows.find((r) => r.status === 'failed');
        if (failed) throw new Error(`run ${failed.source} failed: ${failed.error}`);
        return rows.length === 4 && rows.every((r) => r.status === 'succeeded')
          ? Object.fromEntries(rows.map((r) => [r.source, r]))
          : null;
      },
      { timeoutMs: 60_000, message: 'every Sync All run to succeed' },
    );

    const lookupJob = await worker.ctx.producer
      .queue(QUEUES.stagingManychat)
      .getJob(toJobId(`sync-${ids.manychat}`));
    expect(lookupJob?.processedOn).toBeDefined();
    expect(lookupJob!.processedOn!).toBeGreaterThanOrEqual(runs.ghl!.finishedAt!.getTime());
    expect(lookupJob!.processedOn!).toBeGreaterThanOrEqual(runs.stripe!.finishedAt!.getTime());

    expect(runs.manychat!.counters).toMatchObject({ found: 2, inserted: 2 });
    expect((runs.manychat!.counters as Record<string, number>).asked).toBeGreaterThan(0);
    // ManyChat really was asked, by this run (a call retried after a timeout is asked twice).
    expect((await sim.manychatState()).lookups).toBeGreaterThanOrEqual(
      (runs.manychat!.counters as Record<string, number>).asked!,
    );
    expect(
      (await db.manychatContactRaw.findMany({ orderBy: { subscriberId: 'asc' } })).map((s) => s.subscriberId),
    ).toEqual(['mc-ana', 'mc-luis']);
  }, 90_000);
});
