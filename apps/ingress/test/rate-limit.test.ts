import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitGroup } from '../src/plugins/rate-limit.ts';
import { call, startIngress, startIngressWithoutRedis } from './support.ts';

/** Rate limits on /api/admin/* and /api/webhooks/*, counted in Redis (shared by replicas). */
const env = await setupTestEnv();
const LIMITS = {
  RATE_LIMIT_ADMIN_MAX: '3',
  RATE_LIMIT_ADMIN_WINDOW_MS: '60000',
  RATE_LIMIT_WEBHOOKS_MAX: '5',
  RATE_LIMIT_WEBHOOKS_WINDOW_MS: '1500',
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

  it('limits webhook routes with their own, larger budget and lets them through again after the window', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await call(i % 2 ? a.app : b.app, 'POST', PROBE, null, {})).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429]);
    await new Promise((r) => setTimeout(r, 1_600));
    expect((await call(a.app, 'POST', PROBE, null, {})).status).toBe(202);
  });

  it('leaves other routes alone', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await call(a.app, 'GET', '/api/health', null);
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  it('lets requests through at once when Redis is unreachable (a webhook must not wait on a counter)', async () => {
    const down = await startIngressWithoutRedis(env, LIMITS);
    const app = down.app;
    app.post(PROBE, async (_req, reply) => reply.code(202).send({ received: true }));
    try {
      // No offline queue: each counter fails at once instead of waiting for Redis.
      for (let i = 0; i < 8; i++) expect((await call(app, 'POST', PROBE, null, {})).status).toBe(202);
    } finally {
      await down.close();
    }
  });
});
