import { createRedis } from '@cauce/runtime';
import { setupTestEnv } from '@cauce/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { SharedBudget } from '../src/plugins/shared-budget.ts';

/** Two SharedBudget instances on one real Redis are two ingress replicas' webhook limiters. */
const env = await setupTestEnv();
const redis = createRedis(env.redisUrl);
const budgets: SharedBudget[] = [];
afterAll(() => {
  for (const b of budgets) b.close();
  redis.disconnect();
});
const replica = (max: number, windowMs = 60_000) => {
  const b = new SharedBudget({
    redis,
    keyPrefix: `${env.prefix}:rate-limit:test:`,
    max,
    windowMs,
    // Syncs are driven by the allowance here (the timer would also sync, at any moment).
    syncMs: 3_600_000,
    redisTimeoutMs: 5_000,
  });
  budgets.push(b);
  return b;
};
// The start of a window: every `now` below stays inside it unless it says otherwise.
const T0 = Math.floor(Date.now() / 60_000) * 60_000;

describe('SharedBudget', () => {
  it('one replica admits exactly max per window, then again in the next window', async () => {
    const a = replica(30);
    const admitted = async (key: string, n: number, now: number) => {
      let ok = 0;
      for (let i = 0; i < n; i++) if ((await a.admit(key, now)).ok) ok++;
      return ok;
    };
    expect(await admitted('one', 100, T0 + 10)).toBe(30);
    const refused = await a.admit('one', T0 + 20);
    expect(refused).toEqual({ ok: false, remaining: 0, resetMs: 60_000 - 20 });
    expect(await admitted('one', 100, T0 + 60_000)).toBe(30);
  });

  it('refuses a flood spread over two replicas within max + replicas × ⌈max / 10⌉', async () => {
    const a = replica(100);
    const b = replica(100);
    let ok = 0;
    for (let i = 0; i < 1_000; i++) if ((await (i % 2 ? a : b).admit('flood', T0 + 30)).ok) ok++;
    expect(ok).toBeGreaterThanOrEqual(100);
    expect(ok).toBeLessThanOrEqual(100 + 2 * 10);
    // The fleet's count is in Redis: a third replica started now admits at most its allowance
    // before its first sync tells it the window is spent.
    const c = replica(100);
    let late = 0;
    for (let i = 0; i < 50; i++) if ((await c.admit('flood', T0 + 31)).ok) late++;
    expect(late).toBeLessThanOrEqual(10);
  });

  it('keys are counted apart', async () => {
    const a = replica(2);
    expect((await a.admit('k1', T0 + 40)).ok).toBe(true);
    expect((await a.admit('k1', T0 + 40)).ok).toBe(true);
    expect((await a.admit('k1', T0 + 40)).ok).toBe(false);
    expect((await a.admit('k2', T0 + 40)).ok).toBe(true);
  });
});
