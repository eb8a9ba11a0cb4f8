import { createDb } from '@cauce/db';
import { BEDS24_SIM_CREDENTIALS } from '@cauce/provider-sim/providers/beds24';
import { parseConfig } from '@cauce/runtime';
import {
  type PgBouncer,
  pgbouncerUnavailable,
  setupTestEnv,
  startPgBouncer,
  waitFor,
  workerTestEnv,
} from '@cauce/testkit';
import { startBookingsWorker } from '@cauce/worker-bookings/app';
import { bookingsEnv } from '@cauce/worker-bookings/config';
import { startStagingWorker } from '@cauce/worker-staging';
import { type Sim, stagingConfig, startSim } from '@cauce/worker-staging/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngress } from '../ingress.ts';

/**
 * Behind PgBouncer in TRANSACTION mode (how hosted PostgreSQL, e.g. Supabase's pooler, is
 * reached): every app's DATABASE_URL points at PgBouncer, so each transaction may run on another
 * server connection. Intake, bookings, a staging sync and unify must pass: no session state
 * (SET, session advisory lock, temp tables) and, on PgBouncer < 1.21, no named statement may
 * outlive its transaction.
 */
const unavailable = pgbouncerUnavailable();
if (unavailable) console.warn(`[skip] ${unavailable}`);

const WEBHOOK_TOKEN = 'pgbouncer-beds24-webhook-token-0123456789';

describe.skipIf(unavailable !== null)('behind PgBouncer in transaction mode', async () => {
  const env = await setupTestEnv();
  let bouncer: PgBouncer;
  let sim: Sim;
  let ingress: Awaited<ReturnType<typeof startIngress>>;
  let bookings: Awaited<ReturnType<typeof startBookingsWorker>>;
  let staging: Awaited<ReturnType<typeof startStagingWorker>>;
  const db = createDb(env.databaseUrl, { max: 2 });

  beforeAll(async () => {
    bouncer = await startPgBouncer(env.databaseUrl);
    const [, minor] = /PgBouncer 1\.(\d+)/.exec(bouncer.version) ?? [];
    // PgBouncer ≥ 1.21 keeps protocol-level prepared statements across server connections.
    const prepared = Number(minor) >= 21 ? 'true' : 'false';
    const viaBouncer = { DATABASE_URL: bouncer.url, DB_PREPARED_STATEMENTS: prepared };
    sim = await startSim();
    ingress = await startIngress(env, { ...viaBouncer, BEDS24_WEBHOOK_TOKEN: WEBHOOK_TOKEN });
    bookings = await startBookingsWorker(
      parseConfig(
        bookingsEnv,
        workerTestEnv(env, {
          ...viaBouncer,
          BEDS24_BASE_URL: `${sim.base}/beds24/v2`,
          BEDS24_WRITE_REFRESH_TOKEN: BEDS24_SIM_CREDENTIALS.refreshToken,
          BEDS24_CREDIT_BUDGET: '1000000',
          BEDS24_COLLAPSE_MARGIN_MS: '0',
        }),
      ),
    );
    staging = await startStagingWorker(stagingConfig(env, sim, viaBouncer));
  }, 60_000);
  afterAll(async () => {
    await staging?.close();
    await bookings?.close();
    await ingress?.close();
    await sim?.close();
    await db.$disconnect();
    await bouncer?.stop();
  });

  const waitRun = (id: string) =>
    waitFor(
      async () => {
        const r = await db.syncRun.findUnique({ where: { id: BigInt(id) } });
        if (r?.status === 'failed' || r?.status === 'cancelled') throw new Error(`run ${id}: ${r.error}`);
        return r?.status === 'succeeded' ? r : null;
      },
      { timeoutMs: 60_000, message: `run ${id}` },
    );

  it('intake, a Beds24 booking, a GHL sync and unify all pass', async () => {
    // Intake (ingress → webhook_events, group commit) and worker-bookings (batched upserts).
    const booking = await sim.call('POST', '/__sim/beds24/bookings', {
      firstName: 'Wayra',
      lastName: 'Condori',
    });
    const sent = await sim.call('POST', '/__sim/beds24/emit', {
      bookingId: booking.id,
      target: `${ingress.base}/api/webhooks/beds24`,
      token: WEBHOOK_TOKEN,
    });
    expect(sent).toMatchObject({ delivered: true, status: 202 });
    await waitFor(
      async () =>
        (await db.webhookEvent.findFirst({ where: { entityId: String(booking.id) } }))?.status ===
        'processed',
      { message: 'the booking webhook processed' },
    );
    expect(await db.booking.findUnique({ where: { bookingId: String(booking.id) } })).toMatchObject({
      guestName: 'Wayra Condori',
    });

    // Staging: a GHL sync (checkpointed page transactions), then unify (one transaction).
    await sim.ghlContacts({
      count: 300,
      contacts: [
        { id: 'pb-1', email: 'ana@x.com', phone: '+573001112233', name: 'Ana' },
        { id: 'pb-2', email: 'ANA@x.com ', phone: '300 111 2233', name: 'Ana M' },
      ],
    });
    const sync = await ingress.api('POST', '/api/sync/ghl');
    expect(sync.status).toBe(202);
    await waitRun(sync.body.runs[0].run.id);
    expect(await db.ghlContactRaw.count()).toBe(302);

    for (const round of [1, 2]) {
      const u = await ingress.api('POST', '/api/sync/unify');
      expect(u.status).toBe(202);
      const run = await waitRun(u.body.run.id);
      // The second run finds nothing pending: the first one's work was committed as a whole.
      expect(run.counters).toMatchObject(round === 1 ? { pendingRows: 302 } : { pendingRows: 0, merged: 0 });
    }
    const ana = await db.ghlContactRaw.findMany({ where: { ghlContactId: { in: ['pb-1', 'pb-2'] } } });
    expect(ana[0]!.clientId).not.toBeNull();
    expect(ana[0]!.clientId).toBe(ana[1]!.clientId);
  });
});
