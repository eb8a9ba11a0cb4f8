import { duplicateRedis, type RedisConnection } from '@cauce/runtime';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { SharedBudget } from './shared-budget.ts';

export interface RateLimitOptions {
  redis: RedisConnection;
  /** Redis key namespace (the queue prefix, so tests and deployments do not share counters). */
  prefix: string;
  /** Command timeout of the counters' connection: past it a request is let through uncounted. */
  redisTimeoutMs: number;
  /** Webhook routes: counted in process, shared through Redis every `syncMs` (SharedBudget). */
  webhooks: { max: number; windowMs: number; syncMs: number };
  admin: { max: number; windowMs: number };
  /** Login routes (config.loginAccount): attempts per client address and per account, per window. */
  login: { maxPerAddress: number; maxPerAccount: number; windowMs: number };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Marks a login route: it is limited per client address and per account, and this names the
     * account an attempt is for (read from the parsed body; null when there is none).
     */
    loginAccount?: (req: FastifyRequest) => string | null;
  }
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
 * Per-IP-and-route limits on webhook and admin routes, shared by every ingress replica. Routes are
 * picked by URL prefix in an onRoute hook, so route files need no rate-limit code; register this
 * before the routes. Admin routes use @fastify/rate-limit with its Redis store (one counter per
 * request; they are few). Webhook routes, thousands a second, are counted in process by a
 * SharedBudget that adds its counts to Redis in the background (a Redis round trip per request
 * was the largest Redis cost of the webhook path); its slack across replicas is documented there.
 * A route that declares `config.loginAccount` (a login) gets the login limits instead: per client
 * address and, once its body is parsed, per account.
 *
 * The counters get their own Redis connection that fails fast (no offline queue, short command
 * timeout): with Redis down a webhook must still be stored and answered, not wait for a counter
 * (admin counters are skipped; webhook counts stay local to the replica).
 */
const READY_WAIT_MS = 2_000;

function connectedOrGivenUp(redis: RedisConnection, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done).off('error', done).off('end', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    redis.once('ready', done).once('error', done).once('end', done);
  });
}

export const rateLimitPlugin = fp(async (app: FastifyInstance, opts: RateLimitOptions) => {
  const redis = duplicateRedis(opts.redis, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.redisTimeoutMs,
    // One counter per request: commands issued in the same tick share one write (a syscall each
    // was the largest single cost of the webhook path).
    enableAutoPipelining: true,
    connectionName: 'cauce-rate-limit',
  });
  redis.on('error', () => {}); // reported by /api/ready and the main connection; skipOnError covers requests
  app.addHook('onClose', async () => redis.disconnect());
  // Without an offline queue, counters sent before the connection is up fail and their requests go
  // through uncounted: start counting from the first request when Redis answers, but never hold
  // start-up for long (or at all when Redis refuses the connection).
  app.addHook('onReady', () => connectedOrGivenUp(redis, READY_WAIT_MS));

  const webhookBudget = new SharedBudget({
    redis,
    keyPrefix: `${opts.prefix}:rate-limit:webhooks:`,
    max: opts.webhooks.max,
    windowMs: opts.webhooks.windowMs,
    syncMs: opts.webhooks.syncMs,
    redisTimeoutMs: opts.redisTimeoutMs,
  });
  app.addHook('onClose', async () => webhookBudget.close());
  const webhookLimit = (url: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    const out = await webhookBudget.admit(`${url}:${req.ip}`);
    const reset = Math.ceil(out.resetMs / 1000);
    reply.header('x-ratelimit-limit', opts.webhooks.max);
    reply.header('x-ratelimit-remaining', out.remaining);
    reply.header('x-ratelimit-reset', reset);
    if (out.ok) return;
    return reply
      .code(429)
      .header('retry-after', String(reset))
      .send({
        error: 'rate_limited',
        message: `rate limit exceeded (${opts.webhooks.max} requests per window); retry in ${reset} seconds`,
      });
  };

  // Runs before @fastify/rate-limit's own onRoute hook (registered below), which reads config.rateLimit.
  app.addHook('onRoute', (route: RouteOptions) => {
    const account = route.config?.loginAccount;
    if (account) {
      route.config = {
        ...route.config,
        rateLimit: { max: opts.login.maxPerAddress, timeWindow: opts.login.windowMs },
      };
      route.preHandler = [...[route.preHandler ?? []].flat(), perAccount(account)];
      return;
    }
    const group = rateLimitGroup(route.url);
    if (!group || route.config?.rateLimit !== undefined) return;
    if (group === 'webhooks') {
      // First of the route's onRequest hooks: a flood is refused before any other work.
      route.onRequest = [webhookLimit(route.url), ...[route.onRequest ?? []].flat()];
      return;
    }
    const limit = opts[group];
    route.config = {
      ...route.config,
      rateLimit: { max: limit.max, timeWindow: limit.windowMs },
    };
  });
  /** The per-account count: a second limiter, keyed by account, checked once the body is parsed. */
  type Limiter = (req: FastifyRequest) => Promise<{ isExceeded?: boolean; ttlInSeconds?: number }>;
  let accountLimit: Limiter | null = null;
  const perAccount =
    (account: (req: FastifyRequest) => string | null) => async (req: FastifyRequest, reply: FastifyReply) => {
      const name = account(req);
      if (name === null || !accountLimit) return;
      const out = await accountLimit(req);
      if (!out.isExceeded) return;
      return reply
        .code(429)
        .header('retry-after', String(out.ttlInSeconds ?? 1))
        .send({
          error: 'rate_limited',
          message: `too many login attempts for this account; retry in ${out.ttlInSeconds ?? 1} seconds`,
        });
    };

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
  accountLimit = app.createRateLimit({
    max: opts.login.maxPerAccount,
    timeWindow: opts.login.windowMs,
    // One counter per account, whatever address it is tried from; the route names the account.
    keyGenerator: (req) => `login-account:${req.routeOptions.config.loginAccount?.(req) ?? ''}`,
  }) as Limiter;
});
