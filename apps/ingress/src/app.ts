import { type Logger, lazyRequestLogger } from '@cauce/runtime';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { fastifyTrustProxy } from './config.ts';
import type { IngressDeps } from './context.ts';
import { strictUtf8Parser } from './http/utf8-body.ts';
import { authPlugin } from './plugins/auth.ts';
import { errorRepliesPlugin } from './plugins/error-replies.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { rateLimitPlugin } from './plugins/rate-limit.ts';
import { requestMetricsPlugin } from './plugins/request-metrics.ts';
import { securityHeadersPlugin } from './plugins/security-headers.ts';
import { viewerViewPlugin } from './plugins/viewer-view.ts';
import { beds24AdminRoutes } from './routes/admin/beds24-backfill.ts';
import { bullBoardRoutes } from './routes/admin/bull-board.ts';
import { consoleRoutes } from './routes/admin/console.ts';
import { adminLoginRoutes } from './routes/admin/login.ts';
import { adminRoutes } from './routes/admin/operations.ts';
import { overviewRoutes } from './routes/admin/overview.ts';
import { adminUsersRoutes } from './routes/admin/users.ts';
import { bookingsRoutes } from './routes/bookings.ts';
import { clientsRoutes } from './routes/clients.ts';
import { healthRoutes } from './routes/health.ts';
import { ordersRoutes } from './routes/orders.ts';
import { stockEventRoutes } from './routes/stock/events.ts';
import { stockProductRoutes } from './routes/stock/products.ts';
import { siigoSubscriptionRoutes } from './routes/stock/siigo-subscriptions.ts';
import { siigoWebhookLogRoutes } from './routes/stock/siigo-webhooks.ts';
import { stockStatsRoutes } from './routes/stock/stats.ts';
import { stockSyncRoutes } from './routes/stock/sync.ts';
import { syncRoutes } from './routes/sync.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { whatsappRoutes } from './routes/whatsapp.ts';
import { WebhookIntake } from './webhooks/intake.ts';

/**
 * Route plugins, each `(app, deps) => Promise<void>` in src/routes/ (one file per resource; operator
 * routes under src/routes/admin/). Issues add theirs here;
 * keep this list the only place the ingress learns about a feature.
 */
const ROUTES: Array<(app: FastifyInstance, deps: IngressDeps) => Promise<void>> = [
  healthRoutes,
  ordersRoutes,
  beds24AdminRoutes,
  bookingsRoutes,
  clientsRoutes,
  stockEventRoutes,
  stockStatsRoutes,
  stockProductRoutes,
  stockSyncRoutes,
  siigoSubscriptionRoutes,
  siigoWebhookLogRoutes,
  syncRoutes,
  whatsappRoutes,
  adminLoginRoutes,
  adminUsersRoutes,
  adminRoutes,
  overviewRoutes,
  bullBoardRoutes,
  consoleRoutes,
  webhookRoutes,
];

declare module 'fastify' {
  interface FastifyInstance {
    registeredRoutes: ReadonlyArray<{ method: string; url: string }>;
    /** Settles once the start has created the first admin (or found users, or logged why not). */
    firstAdmin: Promise<void>;
  }
}

/** Builds the ingress without listening (tests call this; main.ts adds listen and shutdown). */
export async function buildIngress(deps: IngressDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    childLoggerFactory: (logger, bindings, options) =>
      lazyRequestLogger(logger as Logger, bindings, options) as FastifyBaseLogger,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    trustProxy: fastifyTrustProxy(deps.config.TRUST_PROXY),
  });
  // Every route as registered, plugins' included (the 4xx-contract and viewer-walk tests walk them).
  const registered: Array<{ method: string; url: string }> = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) registered.push({ method: String(method), url: r.url });
  });
  app.decorate('registeredRoutes', registered);
  await app.register(requestMetricsPlugin, { registry: deps.registry });
  await app.register(errorRepliesPlugin);
  // Bodies are UTF-8 or refused (400/415) on every route (Fastify's parsers decode lossily);
  // webhooks replace these with their raw-bytes parser.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, strictUtf8Parser(jsonParser));
  app.addContentTypeParser(
    'text/plain',
    { parseAs: 'buffer' },
    strictUtf8Parser((_req, text, done) => done(null, text)),
  );
  await app.register(authPlugin, {
    secret: deps.config.JWT_SECRET,
    db: deps.db,
    log: deps.log,
    sessionTtlMs: deps.config.SESSION_TTL_HOURS * 3600_000,
  });
  // The first admin (CAUCE_ADMIN_USER / CAUCE_ADMIN_PASSWORD) when there is no user yet. Not
  // awaited by the start: a slow or stopped PostgreSQL must not hold or fail it (webhooks are
  // taken meanwhile); a failure is logged and retried on the next start.
  app.decorate('firstAdmin', Promise.resolve());
  app.addHook('onReady', async () => {
    app.firstAdmin = (
      app.accounts?.ensureFirstAdmin(deps.config.CAUCE_ADMIN_USER, deps.config.CAUCE_ADMIN_PASSWORD) ??
      Promise.resolve()
    )
      .then(() => {})
      .catch((err: unknown) => deps.log.error({ err }, 'could not check for the first admin user'));
  });
  await app.register(viewerViewPlugin);
  await app.register(securityHeadersPlugin);
  // Both add onRoute hooks, so they come before the routes.
  if (deps.config.RATE_LIMIT_ENABLED)
    await app.register(rateLimitPlugin, {
      redis: deps.redis,
      prefix: deps.config.QUEUE_PREFIX,
      redisTimeoutMs: deps.config.RATE_LIMIT_REDIS_TIMEOUT_MS,
      webhooks: {
        max: deps.config.RATE_LIMIT_WEBHOOKS_MAX,
        windowMs: deps.config.RATE_LIMIT_WEBHOOKS_WINDOW_MS,
        syncMs: deps.config.RATE_LIMIT_WEBHOOKS_SYNC_MS,
      },
      admin: { max: deps.config.RATE_LIMIT_ADMIN_MAX, windowMs: deps.config.RATE_LIMIT_ADMIN_WINDOW_MS },
      login: {
        maxPerAddress: deps.config.LOGIN_RATE_LIMIT_PER_ADDRESS,
        maxPerAccount: deps.config.LOGIN_RATE_LIMIT_PER_ACCOUNT,
        windowMs: deps.config.LOGIN_RATE_LIMIT_WINDOW_MS,
      },
    });
  await app.register(openapiPlugin);
  // One intake (pool, group commit, redrive) shared by every route that accepts events.
  const intake = new WebhookIntake(deps);
  app.decorate('webhookIntake', intake);
  app.addHook('onClose', () => intake.close());
  for (const routes of ROUTES) await app.register(async (scope) => routes(scope, deps));
  return app;
}
