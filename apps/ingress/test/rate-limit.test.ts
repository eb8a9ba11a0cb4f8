import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitGroup } from '../src/plugins/rate-limit.ts';
import { call, startIngress, startIngressWithoutRedis } from './support.ts';

/**
 * Rate limits on /api/admin/* (counted in Redis) and /api/webhooks/* (counted in process, shared
 * through Redis in the background: test/shared-budget.test.ts covers its windows and slack).
 */
const env = await setupTestEnv();
const LIMITS = {
  RATE_LIMIT_ADMIN_MAX: '3',
  RATE_LIMIT_ADMIN_WINDOW_MS: '60000',
  RATE_LIMIT_WEBHOOKS_MAX: '20',
  // Fixed windows: an hour, so a flood sent by this test does not straddle two of them.
  RATE_LIMIT_WEBHOOKS_WINDOW_MS: '3600000',
  // A slow counter lets the request through uncounted; on a loaded test machine that is not what
  // these tests are about (the Redis-down test below shows the fail-open path).
  RATE_LIMIT_REDIS_TIMEOUT_MS: '10000',
};
let a: Awaited<ReturnType<typeof startIngress>>;
let b: Awaited<ReturnType<typeof startIngress>>;
const PROBE = '/api/webhooks/rate-limit-probe';

beforeAll(async () => {
  a = await startIngress(env, LIMITS);
  b = await startIngress(env, LIMITS); // a second replica on the same Redis
  // A route under /api/webhooks/ added like any webhook route: it gets the limit from its URL alone.
  for (const i of [a, b]) i.app.post(PROBE, async (_req, reply) => reply.code(202).send({ received: true }));
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

describe('rate limiting', () => {
  it('picks routes by URL prefix', () => {
    expect(rateLimitGroup('/api/webhooks/beds24')).toBe('webhooks');
    expect(rateLimitGroup('/api/webhooks/siigo/:token')).toBe('webhooks');
    expect(rateLimitGroup('/api/webhooks/setup')).toBe('admin');
    expect(rateLimitGroup('/api/admin/queues/ui/api/queues')).toBe('admin');
    expect(rateLimitGroup('/api/orders')).toBeNull();
    expect(rateLimitGroup('/metrics')).toBeNull();
  });

  it('answers 429 with Retry-After past the admin limit, counted across replicas', async () => {
    const url = '/api/admin/failures';
    const first = await call(a.app, 'GET', url, a.viewer);
    expect(first.status).toBe(200);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect((await call(b.app, 'GET', url, a.viewer)).status).toBe(200);
    expect((await call(a.app, 'GET', url, a.viewer)).status).toBe(200);
    const limited = await call(b.app, 'GET', url, a.viewer);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: 'rate_limited' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Counted before authentication: a flood without a token is limited too.
    expect((await call(a.app, 'GET', url, null)).status).toBe(429);
    // Each route has its own budget.
    expect((await call(a.app, 'GET', '/api/admin/webhooks/logs', a.viewer)).status).toBe(200);
  });

  it("refuses a webhook flood sent across two replicas, within the shared budget's slack", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++)
      statuses.push((await call(i % 2 ? a.app : b.app, 'POST', PROBE, null, {})).status);
    const admitted = statuses.filter((s) => s === 202).length;
    // max 20, two replicas, an allowance of ⌈20 / 10⌉ = 2 each between syncs: 20..24 admitted.
    expect(admitted).toBeGreaterThanOrEqual(20);
    expect(admitted).toBeLessThanOrEqual(24);
    expect(statuses.slice(0, 20)).toEqual(statuses.slice(0, 20).map(() => 202));
    expect(statuses.slice(-30)).toEqual(statuses.slice(-30).map(() => 429));
    const limited = await call(a.app, 'POST', PROBE, null, {});
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: 'rate_limited' });
    expect(limited.headers['x-ratelimit-limit']).toBe('20');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Each route has its own budget (beds24 is not configured in this test: 503, not 429).
    expect((await call(a.app, 'POST', '/api/webhooks/beds24', null, {})).status).not.toBe(429);
  });

  it('leaves other routes alone', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await call(a.app, 'GET', '/api/health', null);
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  it('answers webhooks at once when Redis is unreachable, and still limits them on its own counts', async () => {
    const down = await startIngressWithoutRedis(env, { ...LIMITS, RATE_LIMIT_WEBHOOKS_MAX: '5' });
    const app = down.app;
    app.post(PROBE, async (_req, reply) => reply.code(202).send({ received: true }));
    try {
      // No offline queue: each sync fails at once instead of waiting for Redis.
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await call(app, 'POST', PROBE, null, {})).status);
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429, 429]);
    } finally {
      await down.close();
    }
  });
});
