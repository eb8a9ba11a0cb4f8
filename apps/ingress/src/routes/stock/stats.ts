import { siigo } from '@cauce/providers';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../../context.ts';
import { doc, VIEWER_AUTH } from '../../http/schemas.ts';

/** Stock stats: products, SIIGO webhook counts and sync state, in the source document's shape. */

const statsSchema = {
  ...doc({ summary: 'Products, SIIGO webhook counts and sync state', tags: ['stock'], auth: 'viewer' }),
  response: {
    200: z
      .object({
        products: z.object({
          total: z.number().int(),
          synced: z.number().int(),
          updated_today: z.number().int(),
          avg_stock: z.number(),
          last_sync_time: z.string().nullable(),
        }),
        webhooks: z.object({
          total: z.number().int(),
          processed: z.number().int(),
          last_hour: z.number().int(),
        }),
        webhooksConfigured: z.boolean(),
        syncRunning: z.boolean(),
      })
      .describe('stats'),
    ...VIEWER_AUTH,
  },
};

export async function stockStatsRoutes(scope: FastifyInstance, deps: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { config, db, redis } = deps;
  const keys = siigo.stockRedisKeys(config.QUEUE_PREFIX);
  const viewer = app.requireRole('viewer');
  /** The source document's stats shape. */
  app.get('/api/stock/stats', { preValidation: viewer, schema: statsSchema }, async () => {
    const [products] = await db.$queryRaw<
      Array<{
        total: bigint;
        synced: bigint;
        updated_today: bigint;
        avg_stock: string | null;
        last_sync: Date | null;
      }>
    >`
      SELECT count(*) AS total,
             count(last_sync_at) AS synced,
             count(*) FILTER (WHERE updated_at >= date_trunc('day', now())) AS updated_today,
             round(avg(stock), 2)::text AS avg_stock,
             max(last_sync_at) AS last_sync
      FROM products`;
    const [hooks] = await db.$queryRaw<Array<{ total: bigint; processed: bigint; last_hour: bigint }>>`
      SELECT count(*) AS total,
             count(*) FILTER (WHERE status = 'processed') AS processed,
             count(*) FILTER (WHERE received_at > now() - interval '1 hour') AS last_hour
      FROM webhook_events WHERE provider = 'siigo'`;
    const lastRun = await db.syncRun.findFirst({
      where: { source: 'siigo_stock', status: 'succeeded' },
      orderBy: { finishedAt: 'desc' },
      select: { finishedAt: true },
    });
    const configured = await db.webhookSubscription.count({
      where: { provider: 'siigo', active: true, topic: { in: [...siigo.SIIGO_STOCK_TOPICS] } },
    });
    const lastSync = lastRun?.finishedAt ?? products?.last_sync ?? null;
    return {
      products: {
        total: Number(products?.total ?? 0),
        synced: Number(products?.synced ?? 0),
        updated_today: Number(products?.updated_today ?? 0),
        avg_stock: products?.avg_stock == null ? 0 : Number(products.avg_stock),
        last_sync_time: lastSync ? lastSync.toISOString() : null,
      },
      webhooks: {
        total: Number(hooks?.total ?? 0),
        processed: Number(hooks?.processed ?? 0),
        last_hour: Number(hooks?.last_hour ?? 0),
      },
      webhooksConfigured: configured >= siigo.SIIGO_STOCK_TOPICS.length,
      syncRunning: (await redis.exists(keys.syncLock)) === 1,
    };
  });
}
