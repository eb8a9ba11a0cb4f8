import { createLogger, createRedis } from '@cauce/runtime';
import { setupTestEnv, waitFor } from '@cauce/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStripeSync, stripeClient } from '../src/stripe-sync.ts';
import { type Sim, stagingConfig, startSim } from './support.ts';

/**
 * The Stripe sync pages its five lists side by side against provider-sim enforcing a small
 * limit: the shared budget keeps them inside it, and a run that fails mid-way resumes every list
 * after its last stored page.
 */
const env = await setupTestEnv();
const LIMIT = { route: '^\\S+ /stripe/', limit: 5, windowMs: 1_000 };
const SIZES = { customers: 45, charges: 80, payment_intents: 35, invoices: 25, subscriptions: 15 };
const TOTAL = Object.values(SIZES).reduce((a, b) => a + b, 0);
const log = createLogger('stripe-sync-test', 'silent');
const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 3 });
const redis = createRedis(env.redisUrl);
let sim: Sim;

const seq = (n: number, f: (i: number) => Record<string, unknown>) =>
  Array.from({ length: n }, (_, i) => f(i));

beforeAll(async () => {
  sim = await startSim();
  await sim.stripeObjects({
    customers: seq(SIZES.customers, (i) => ({
      id: `cus_p${i}`,
      email: `cliente${i}@example.com`,
      name: `Cliente ${i}`,
    })),
    charges: seq(SIZES.charges, (i) => ({
      id: `ch_p${i}`,
      amount: 1000 + i,
      currency: 'cop',
      status: 'succeeded',
    })),
    payment_intents: seq(SIZES.payment_intents, (i) => ({
      id: `pi_p${i}`,
      amount: 500 + i,
      amount_received: 500 + i,
      currency: 'cop',
      status: 'succeeded',
    })),
    invoices: seq(SIZES.invoices, (i) => ({
      id: `in_p${i}`,
      customer: 'cus_p1',
      status: 'paid',
      currency: 'cop',
      total: i,
    })),
    subscriptions: seq(SIZES.subscriptions, (i) => ({
      id: `sub_p${i}`,
      customer: 'cus_p2',
      status: 'active',
    })),
  });
  await sim.call('PUT', '/__sim/limits', { stripe: LIMIT });
});
afterAll(async () => {
  await sim?.close();
  redis.disconnect();
  await pool.end();
});

/** Rows per list as stored, read in one statement with the run's checkpoint (one snapshot). */
async function snapshot(runId: string) {
  const { rows } = await pool.query<{
    customers: string;
    charges: string;
    payment_intents: string;
    invoices: string;
    subscriptions: string;
    processed: number;
    counters: Record<string, number>;
    checkpoint: { lists: Record<string, { done: boolean } | undefined> } | null;
  }>(
    `SELECT (SELECT count(*) FROM stripe_customers_raw) AS customers,
            (SELECT count(*) FROM transactions WHERE source_id LIKE 'ch\\_%') AS charges,
            (SELECT count(*) FROM transactions WHERE source_id LIKE 'pi\\_%') AS payment_intents,
            (SELECT count(*) FROM invoices) AS invoices,
            (SELECT count(*) FROM subscriptions) AS subscriptions,
            processed, counters, checkpoint
       FROM sync_runs WHERE id = $1`,
    [runId],
  );
  const r = rows[0]!;
  const stored = Object.fromEntries(Object.keys(SIZES).map((l) => [l, Number(r[l as keyof typeof SIZES])]));
  return { stored, processed: r.processed, counters: r.counters, checkpoint: r.checkpoint };
}

describe('Stripe staging sync: lists side by side within the budget, resumable', () => {
  it('stays within the limit (no 429), and a run failed mid-way resumes with nothing lost or counted twice', async () => {
    const config = stagingConfig(env, sim, {
      STRIPE_BUDGET_MAX: String(LIMIT.limit),
      STRIPE_PAGE_SIZE: '5',
      HTTP_RETRIES: '0',
    });
    const client = stripeClient(config, { redis })!;
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO sync_runs (source, kind, status) VALUES ('stripe', 'sync', 'queued') RETURNING id`,
    );
    const runId = String(rows[0]!.id);

    // First attempt: once a few pages are stored, every charges request fails (no retries).
    const first = runStripeSync(pool, client, config, runId, log);
    first.catch(() => {});
    await waitFor(async () => (await snapshot(runId)).processed >= 20, {
      timeoutMs: 30_000,
      message: 'first pages',
    });
    await sim.faults([{ route: '^GET /stripe/v1/charges$', errorRate: 1, errorStatus: 500 }]);
    await expect(first).rejects.toThrow();

    const failed = await snapshot(runId);
    // The lists went side by side: several had stored pages while customers was not done yet.
    const started = Object.entries(failed.checkpoint!.lists).filter(([, p]) => p !== undefined);
    expect(started.length).toBeGreaterThanOrEqual(3);
    expect(failed.checkpoint!.lists.customers?.done ?? false).toBe(false);
    expect(failed.stored.charges).toBeLessThan(SIZES.charges);
    // The checkpoint describes exactly what is stored.
    for (const list of Object.keys(SIZES)) expect(failed.counters[list] ?? 0).toBe(failed.stored[list]);
    expect(failed.processed).toBe(Object.values(failed.stored).reduce((a, b) => a + b, 0));

    // Resumed: every list goes on after its last stored page.
    await sim.faults([]);
    const counters = await runStripeSync(pool, client, config, runId, log);
    const done = await snapshot(runId);
    expect(done.stored).toEqual(SIZES);
    expect(counters).toMatchObject({ fetched: TOTAL, inserted: TOTAL, updated: 0 });
    for (const list of Object.keys(SIZES))
      expect(done.counters[list]).toBe(SIZES[list as keyof typeof SIZES]);
    expect(done.processed).toBe(TOTAL);
    expect(Object.values(done.checkpoint!.lists).every((p) => p?.done)).toBe(true);

    // provider-sim never had to refuse a request: the lists shared the one budget.
    const { stats } = await sim.call('GET', '/__sim/limits');
    expect(stats.stripe.rejected).toBe(0);
    expect(stats.stripe.peakInWindow).toBeLessThanOrEqual(LIMIT.limit);
    expect(stats.stripe.admitted).toBeGreaterThan(TOTAL / 5);
  });

  it('resumes a checkpoint written when lists ran one after another', async () => {
    const config = stagingConfig(env, sim, {
      STRIPE_BUDGET_MAX: String(LIMIT.limit),
      STRIPE_PAGE_SIZE: '50',
    });
    const client = stripeClient(config, { redis })!;
    // An older run stopped at its third list (payment_intents) before storing a page of it.
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO sync_runs (source, kind, status, checkpoint)
       VALUES ('stripe', 'sync', 'failed', '{"list": 2, "startingAfter": null, "since": {}, "maxCreated": {}}')
       RETURNING id`,
    );
    await sim.resetCalls();
    const counters = await runStripeSync(pool, client, config, String(rows[0]!.id), log);
    const calls = await sim.calls();
    // The lists it had finished are not asked again; the rest are.
    expect(calls['GET /stripe/v1/customers'] ?? 0).toBe(0);
    expect(calls['GET /stripe/v1/charges'] ?? 0).toBe(0);
    expect(counters).toMatchObject({
      payment_intents: SIZES.payment_intents,
      invoices: SIZES.invoices,
      subscriptions: SIZES.subscriptions,
    });
    expect(counters?.customers ?? 0).toBe(0);
  });
});
