import { buildSim, type SimContext } from '@cauce/provider-sim/server';
import { createRegistry } from '@cauce/runtime';
import { metricValue, setupTestEnv } from '@cauce/testkit';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../src/errors.ts';
import { HttpClient } from '../src/http-client.ts';
import { accountLabel, ProviderBudget } from '../src/provider-budget.ts';

// Three "replicas": each its own Redis connection, budget object and HTTP client, as three
// processes would have. provider-sim enforces the provider's window and counts what it admitted.
const env = await setupTestEnv();
let sim: FastifyInstance;
let simCtx: SimContext;
let base: string;
const redises: Redis[] = [];
const clients: HttpClient[] = [];

beforeAll(async () => {
  ({ app: sim, ctx: simCtx } = await buildSim());
  sim.get('/fake/items', async () => ({ items: [1] }));
  await sim.listen({ port: 0, host: '127.0.0.1' });
  const addr = sim.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  for (const c of clients) await c.close();
  for (const r of redises) r.disconnect();
  await sim?.close();
});
beforeEach(async () => {
  await sim.inject({ method: 'POST', url: '/__sim/reset' });
});

const LIMIT = { route: '^GET /fake/items$', limit: 20, windowMs: 1_000 };

/** One replica: its own connection, budget and client on the shared account's budget. */
function replica(account: string, opts: { maxWaitMs?: number; retries?: number } = {}) {
  const redis = new Redis(env.redisUrl);
  redises.push(redis);
  const registry = createRegistry('budget-test');
  const budget = new ProviderBudget({
    redis,
    prefix: env.prefix,
    provider: 'fake',
    account,
    limit: LIMIT.limit,
    windowMs: LIMIT.windowMs,
    maxWaitMs: opts.maxWaitMs ?? 60_000,
    registry,
  });
  const client = new HttpClient({ provider: 'fake', baseUrl: base, retries: opts.retries ?? 0, budget });
  clients.push(client);
  return { budget, client, registry };
}

describe('ProviderBudget (fleet-wide, in Redis)', () => {
  it('three replicas share one budget and together never pass the provider window', async () => {
    await sim.inject({ method: 'PUT', url: '/__sim/limits', payload: { fake: LIMIT } });
    const account = `acct-${env.prefix}-shared`;
    const replicas = [replica(account), replica(account), replica(account)];
    // 90 calls at once, 4.5 windows' worth: on per-process limits each replica would send 20 a
    // second and the provider would refuse most of them.
    const results = await Promise.all(
      replicas.flatMap((r) => Array.from({ length: 30 }, () => r.client.get('/fake/items'))),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const stats = simCtx.limits.stats().fake!;
    expect(stats).toMatchObject({ admitted: 90, rejected: 0 });
    expect(stats.peakInWindow).toBeLessThanOrEqual(LIMIT.limit);
    // Calls waited for the budget rather than failing, and each replica counted its own calls.
    let calls = 0;
    let waited = 0;
    for (const r of replicas) {
      const text = await r.registry.metrics();
      calls += metricValue(text, 'provider_budget_calls_total', { provider: 'fake' }) ?? 0;
      waited += metricValue(text, 'provider_budget_wait_seconds_count', { provider: 'fake' }) ?? 0;
    }
    expect(calls).toBe(90);
    expect(waited).toBeGreaterThan(0);
  });

  it("a 429's Retry-After holds every replica until it passes, without calling the provider", async () => {
    const account = `acct-${env.prefix}-blocked`;
    const [a, b, c] = [replica(account), replica(account, { maxWaitMs: 1_000 }), replica(account)];
    await sim.inject({
      method: 'PUT',
      url: '/__sim/faults',
      payload: [{ route: '^GET /fake/items$', burst429: 1, retryAfterSeconds: 60 }],
    });
    await expect(a.client.get('/fake/items')).rejects.toMatchObject({
      details: { status: 429, retryAfterMs: 60_000 },
    });
    const seen = simCtx.calls.count('GET /fake/items');
    // Another replica's call is handed back to its queue with the time left, and never sent.
    const err = await b.client.get('/fake/items').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as RetryableError).details.retryAfterMs).toBeGreaterThan(1_000);
    expect(simCtx.calls.count('GET /fake/items')).toBe(seen);
    expect((await c.budget.state()).blockedMs).toBeGreaterThan(1_000);
    const metric = async (r: { registry: { metrics(): Promise<string> } }, name: string) =>
      metricValue(await r.registry.metrics(), name, { provider: 'fake' });
    expect(await metric(a, 'provider_budget_429_total')).toBe(1);
    expect(await metric(b, 'provider_budget_deferred_total')).toBe(1);
  });

  it('keeps budgets of different accounts apart and names accounts without their secret', async () => {
    const label = accountLabel('sk_live_very_secret_key');
    expect(label).toMatch(/^[0-9a-f]{12}$/);
    expect(label).not.toContain('secret');
    const one = replica(`acct-${env.prefix}-one`, { maxWaitMs: 0 });
    const other = replica(`acct-${env.prefix}-other`, { maxWaitMs: 0 });
    for (let i = 0; i < LIMIT.limit; i++) await one.budget.take();
    await expect(one.budget.take()).rejects.toBeInstanceOf(RetryableError);
    await expect(other.budget.take()).resolves.toMatchObject({ cost: 1 });
    expect((await one.budget.state()).used).toBe(LIMIT.limit);
  });

  it("an answered call's slot frees a window after its answer arrived, not after we got round to settling it", async () => {
    const { budget } = replica(`acct-${env.prefix}-answered`, { maxWaitMs: 0 });
    const ticket = await budget.take();
    // The answer arrived more than a window ago (a long body read, a busy event loop since): the
    // provider counted the call before that, so the slot is free at once. Scored at settle time
    // it would hold a whole window more.
    await budget.settle(ticket, 200, {}, LIMIT.windowMs + 50);
    expect((await budget.state()).used).toBe(0);
    await expect(budget.take()).resolves.toMatchObject({ cost: 1 });
    await budget.reset();
    // No answer at all (status 0): the provider may count the call any time, the slot holds.
    const lost = await budget.take();
    await budget.settle(lost, 0, {}, LIMIT.windowMs);
    expect((await budget.state()).used).toBe(1);
  });
});
