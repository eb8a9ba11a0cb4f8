import { createDb } from '@cauce/db';
import { setupTestEnv, startApp, waitFor } from '@cauce/testkit';
import { type Sim, stagingVars, startSim } from '@cauce/worker-staging/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngress } from '../ingress.ts';

const env = await setupTestEnv();
const CONTACTS = 25_000;

describe('GHL staging: full pagination, checkpoint, kill -9 resume', () => {
  let sim: Sim;
  let ingress: Awaited<ReturnType<typeof startIngress>>;
  const db = createDb(env.databaseUrl);

  beforeAll(async () => {
    sim = await startSim();
    ingress = await startIngress(env);
  });
  afterAll(async () => {
    await ingress?.close();
    await sim?.close();
    await db.$disconnect();
  });

  it('stages 25k contacts over 250 pages; a worker killed mid-run resumes with nothing lost or doubled', async () => {
    await sim.ghlContacts({ count: CONTACTS });
    // Slow pages a little so the kill lands mid-run.
    await sim.faults([{ route: 'POST /ghl/contacts/search', latencyMs: 15 }]);
    const vars = stagingVars(env, sim, { GHL_PAGE_SIZE: '100' });
    const entry = 'apps/worker-staging/src/main.ts';
    let worker = await startApp(entry, vars);

    const started = await ingress.api('POST', '/api/sync/ghl');
    expect(started.status).toBe(202);
    const runId = started.body.runs[0].run.id as string;
    // A second request while the run is live gets the same run, not a new one.
    const again = await ingress.api('POST', '/api/sync/ghl');
    expect(again.status).toBe(409);
    expect(again.body.run.id).toBe(runId);

    await waitFor(
      async () => (await db.syncRun.findUnique({ where: { id: BigInt(runId) } }))!.processed >= 3_000,
      { timeoutMs: 60_000, message: 'first pages' },
    );
    await worker.stop('SIGKILL');
    const atKill = await db.syncRun.findUnique({ where: { id: BigInt(runId) } });
    expect(atKill!.processed).toBeLessThan(CONTACTS);
    expect(atKill!.checkpoint).toMatchObject({ searchAfter: expect.any(Array) });
    // The committed checkpoint always describes exactly the rows committed with it. Read both in
    // one statement (one snapshot): a COMMIT the killed worker sent just before dying can still
    // land after the read above.
    const [snap] = await db.$queryRaw<Array<{ rows: bigint; processed: number }>>`
      SELECT (SELECT count(*) FROM ghl_contacts_raw) AS rows, processed
      FROM sync_runs WHERE id = ${BigInt(runId)}`;
    expect(Number(snap!.rows)).toBe(snap!.processed);

    await sim.faults([]);
    worker = await startApp(entry, vars);
    try {
      const done = await waitFor(
        async () => {
          const r = await db.syncRun.findUnique({ where: { id: BigInt(runId) } });
          return r?.status === 'succeeded' ? r : null;
        },
        { timeoutMs: 90_000, message: 'run succeeded after restart' },
      );
      expect(done.processed).toBe(CONTACTS);
      expect(done.total).toBe(CONTACTS);
      expect(done.counters).toMatchObject({ fetched: CONTACTS, inserted: CONTACTS, updated: 0 });
      expect(await db.ghlContactRaw.count()).toBe(CONTACTS);
      const first = await db.ghlContactRaw.findUnique({ where: { ghlContactId: 'ghl00000007' } });
      // Normalised keys next to the untouched payload.
      expect(first).toMatchObject({ email: 'contact.7@example.com', phoneE164: '+12022000007' });
      expect((first!.payload as Record<string, unknown>).email).toBe('Contact.7@Example.com');
      expect(first!.payload).not.toHaveProperty('searchAfter');

      // A second full run changes nothing and leaves no row pending again.
      const rerun = await ingress.api('POST', '/api/sync/ghl');
      expect(rerun.status).toBe(202);
      const id2 = rerun.body.runs[0].run.id as string;
      const r2 = await waitFor(
        async () => {
          const r = await db.syncRun.findUnique({ where: { id: BigInt(id2) } });
          return r?.status === 'succeeded' ? r : null;
        },
        { timeoutMs: 90_000, message: 'second run' },
      );
      expect(r2.counters).toMatchObject({ fetched: CONTACTS, inserted: 0, updated: 0, unchanged: CONTACTS });
      const runs = await ingress.api('GET', '/api/sync/runs?source=ghl');
      expect(runs.body.runs.map((r: { status: string }) => r.status)).toEqual(['succeeded', 'succeeded']);
    } finally {
      await worker.stop('SIGTERM');
    }
  }, 240_000);
});
