import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';

export interface RateLimitOptions {
  redis: Redis;
  /** Redis key namespace (the queue prefix, so tests and deployments do not share counters). */
  prefix: string;
  webhooks: { max: number; windowMs: number };
  admin: { max: number; windowMs: number };
}

/** Operator endpoints that live under /api/webhooks/ (SIIGO subscription management): admin limits. */
const ADMIN_UNDER_WEBHOOKS = new Set([
  '/api/webhooks/setup',
  '/api/webhooks/subscriptions',
  '/api/webhooks/logs',
  '/api/webhooks/test',
]);

export type RateLimitGroup = 'webhooks' | 'admin';

/** Which limit a route URL gets, if any. */
export function rateLimitGroup(url: string): RateLimitGroup | null {
  if (ADMIN_UNDER_WEBHOOKS.has(url)) return 'admin';
  if (url.startsWith('/api/webhooks/')) return 'webhooks';
  if (url === '/api/admin' || url.startsWith('/api/admin/')) return 'admin';
  return null;
}

/**
 * Per-IP-and-route limits on webhook and admin routes (@fastify/rate-limit, Redis store: the
 * counters are shared by every ingress replica). Routes are picked by URL prefix in an onRoute
 * hook, so route files need no rate-limit code; register this before the routes.
 *
 * The store gets its own Redis connection that fails fast (no offline queue, short command
 * timeout) and errors are skipped: with Redis down a webhook must still be stored and answered,
 * not wait for a rate-limit counter.
 */
export const rateLimitPlugin = fp(async (app: FastifyInstance, opts: RateLimitOptions) => {
  const redis = opts.redis.duplicate({
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    // One counter per request: commands issued in the same tick share one write (a syscall each
    // was the largest single cost of the webhook path).
    enableAutoPipelining: true,
    connectionName: 'cauce-rate-limit',
  });
  redis.on('error', () => {}); // reported by /api/ready and the main connection; skipOnError covers requests
  app.addHook('onClose', async () => redis.disconnect());

  // Runs before @fastify/rate-limit's own onRoute hook (registered below), which reads config.rateLimit.
  app.addHook('onRoute', (route: RouteOptions) => {
    const group = rateLimitGroup(route.url);
    if (!group || route.config?.rateLimit !== undefined) return;
    const limit = opts[group];
    route.config = {
      ...route.config,
      rateLimit: { max: limit.max, timeWindow: limit.windowMs },
    };
  });
  await app.register(fastifyRateLimit, {
    global: false,
    redis,
    nameSpace: `${opts.prefix}:rate-limit:`,
    skipOnError: true,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: ctx.statusCode,
      error: 'rate_limited',
      message: `rate limit exceeded (${ctx.max} requests per window); retry in ${ctx.after}`,
    }),
  });
});
