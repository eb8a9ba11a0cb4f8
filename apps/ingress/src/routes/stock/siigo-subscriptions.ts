import { siigo, siigoBudget } from '@cauce/providers';
import { bool, createScrubber, ProviderError, RedisLease, secretValues } from '@cauce/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../../context.ts';
import { AUTH, doc, errors, VIEWER_AUTH } from '../../http/schemas.ts';
import { hasRole } from '../../plugins/auth.ts';

/** SIIGO webhook subscriptions: set up the stock topics at SIIGO (idempotent) and list them. */

const subscriptionsQuery = z.object({
  reveal: bool.optional().describe('admins only: show the URLs as stored'),
});
const tags = ['stock'];
const setupSchema = {
  ...doc({ summary: 'Subscribe the SIIGO stock topics (idempotent)', tags, auth: 'admin' }),
  response: {
    200: z
      .object({
        url: z.string().describe('the subscribed URL, its path token masked'),
        created: z.number().int(),
        subscriptions: z.array(
          z.object({
            topic: z.string(),
            id: z.string(),
            externalId: z.string(),
            status: z.enum(['existing', 'created']),
          }),
        ),
      })
      .describe('subscriptions found or created'),
    ...errors({
      409: 'another setup is running',
      502: 'SIIGO refused (its status in the body)',
      503: 'SIIGO or WEBHOOK_BASE_URL not configured',
    }),
    ...AUTH,
  },
};
const subscriptionsSchema = {
  ...doc({
    summary: 'SIIGO webhook subscriptions Cauce created',
    description:
      "The URLs' path token (and the configured company key) are masked; `?reveal=true` shows them as stored, to admins only.",
    tags,
    auth: 'viewer',
  }),
  querystring: subscriptionsQuery,
  response: {
    200: z
      .object({
        subscriptions: z.array(
          z.object({
            id: z.string(),
            topic: z.string(),
            url: z.string(),
            externalId: z.string(),
            companyKey: z.string().nullable(),
            active: z.boolean(),
            createdAt: z.string(),
          }),
        ),
      })
      .describe('subscriptions'),
    ...VIEWER_AUTH,
    ...errors({ 403: 'reveal=true needs the admin role' }),
  },
};

export async function siigoSubscriptionRoutes(scope: FastifyInstance, deps: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { config, db, redis, registry } = deps;
  /** Subscription URLs carry SIIGO_WEBHOOK_TOKEN: shown and logged masked (secrets.ts). */
  const mask = createScrubber(secretValues(config));

  let client: siigo.SiigoClient | undefined;
  const siigoClient = () => {
    if (!config.SIIGO_USERNAME || !config.SIIGO_ACCESS_KEY) return null;
    client ??= new siigo.SiigoClient({
      baseUrl: config.SIIGO_BASE_URL,
      username: config.SIIGO_USERNAME,
      accessKey: config.SIIGO_ACCESS_KEY,
      partnerId: config.SIIGO_PARTNER_ID,
      redis,
      keyPrefix: config.QUEUE_PREFIX,
      budget: siigoBudget({
        redis,
        prefix: config.QUEUE_PREFIX,
        username: config.SIIGO_USERNAME,
        limit: config.SIIGO_BUDGET_MAX,
        windowMs: config.SIIGO_BUDGET_WINDOW_MS,
        registry,
      }),
    });
    return client;
  };
  app.addHook('onClose', async () => client?.close());
  const viewer = app.requireRole('viewer');
  const admin = app.requireRole('admin');

  /** Subscribes the three stock topics at SIIGO; a second call finds them and creates nothing. */
  app.post('/api/webhooks/setup', { preValidation: admin, schema: setupSchema }, async (req, reply) => {
    const api = siigoClient();
    if (!api) {
      const message = 'SIIGO disabled: missing SIIGO_USERNAME or SIIGO_ACCESS_KEY';
      return reply.code(503).send({ error: 'siigo_disabled', message });
    }
    if (!config.WEBHOOK_BASE_URL)
      return reply.code(503).send({ error: 'not_configured', message: 'WEBHOOK_BASE_URL is not set' });
    const url = `${config.WEBHOOK_BASE_URL.replace(/\/+$/, '')}${config.SIIGO_SUBSCRIPTION_PATH}`;
    const lock = new RedisLease({
      redis,
      key: `${config.QUEUE_PREFIX}:siigo:webhook-setup:lock`,
      ttlMs: 60_000,
    });
    if (!(await lock.acquire()))
      return reply.code(409).send({ error: 'busy', message: 'a webhook setup is already running' });
    try {
      const existing = await api.listWebhooks();
      const results = [];
      for (const topic of siigo.SIIGO_STOCK_TOPICS) {
        const found = existing.find((s) => s.topic === topic && s.url === url && s.active !== false);
        const sub =
          found ?? (await api.createWebhook({ applicationId: config.SIIGO_PARTNER_ID, topic, url }));
        const data = {
          externalId: sub.id,
          applicationId: sub.application_id ?? config.SIIGO_PARTNER_ID,
          companyKey: sub.company_key ?? null,
          active: sub.active ?? true,
          raw: sub as object,
        };
        const row = await db.webhookSubscription.upsert({
          where: { provider_topic_url: { provider: 'siigo', topic, url } },
          create: { provider: 'siigo', topic, url, ...data },
          update: data,
        });
        results.push({
          topic,
          id: row.id.toString(),
          externalId: sub.id,
          status: found ? ('existing' as const) : ('created' as const),
        });
      }
      const created = results.filter((r) => r.status === 'created').length;
      req.log.info({ url: mask(url), created }, 'SIIGO webhooks set up');
      return { url: mask(url), created, subscriptions: results };
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      // SIIGO's failure, not ours: 502 with what it said (topics done so far stay recorded; rerun).
      req.log.warn({ err: err.message, status: err.details.status }, 'SIIGO webhook setup failed');
      return reply.code(502).send({ error: 'siigo_error', message: err.message, status: err.details.status });
    } finally {
      await lock.release();
    }
  });

  /**
   * The subscriptions, their URLs (which carry the path token) masked; `?reveal=true` shows them
   * as stored, to admins only (and the answer is not logged).
   */
  app.get(
    '/api/webhooks/subscriptions',
    { preValidation: viewer, schema: subscriptionsSchema },
    async (req, reply) => {
      const reveal = req.query.reveal === true;
      if (reveal && !hasRole(req.user, 'admin'))
        return reply
          .code(403)
          .send({ error: 'forbidden', message: 'revealing secrets needs the admin role' });
      if (reveal) req.log.info({ by: req.user.sub }, 'SIIGO subscription URLs revealed');
      const show = (s: string | null) => (s === null || reveal ? s : mask(s));
      const rows = await db.webhookSubscription.findMany({
        where: { provider: 'siigo' },
        orderBy: { id: 'asc' },
      });
      return {
        subscriptions: rows.map((r) => ({
          id: r.id.toString(),
          topic: r.topic,
          url: reveal ? r.url : mask(r.url),
          externalId: r.externalId,
          companyKey: show(r.companyKey),
          active: r.active,
          createdAt: r.createdAt.toISOString(),
        })),
      };
    },
  );
}
