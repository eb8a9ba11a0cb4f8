import { siigo } from '@cauce/providers';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../../context.ts';
import { doc, VIEWER_AUTH } from '../../http/schemas.ts';

/**
 * Stock stats: products, SIIGO webhook counts and sync state. Each count is under the source
 * system's key (`total_products`, `total_webhooks`…, what its dashboard reads) and under the
 * shorter key this API has answered with since (`total`, `processed`…): both stay.
 */

const statsSchema = {
  ...doc({ summary: 'Products, SIIGO webhook counts and sync state', tags: ['stock'], auth: 'viewer' }),
  response: {
    200: z
      .object({
        products: z.object({
          total_products: z.number().int().describe('the source system key'),
          synced_products: z.number().int().describe('the source system key'),
          updated_today: z.number().int(),
          avg_stock: z.number(),
          last_sync_time: z.string().nullable(),
          total: z.number().int().describe('= total_products'),
          synced: z.number().int().describe('= synced_products'),
        }),
        webhooks: z.object({
          total_webhooks: z.number().int().describe('the source system key'),
          processed_webhooks: z.number().int().describe('the source system key'),
          webhooks_last_hour: z.number().int().describe('the source system key'),
          total: z.number().int().describe('= total_webhooks'),
          processed: z.number().int().describe('= processed_webhooks'),
          last_hour: z.number().int().describe('= webhooks_last_hour'),
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
    const total = Number(products?.total ?? 0);
    const synced = Number(products?.synced ?? 0);
    const hooksTotal = Number(hooks?.total ?? 0);
    const processed = Number(hooks?.processed ?? 0);
    const lastHour = Number(hooks?.last_hour ?? 0);
    return {
      products: {
        total_products: total,
        synced_products: synced,
        updated_today: Number(products?.updated_today ?? 0),
        avg_stock: products?.avg_stock == null ? 0 : Number(products.avg_stock),
        last_sync_time: lastSync ? lastSync.toISOString() : null,
        total,
        synced,
      },
      webhooks: {
        total_webhooks: hooksTotal,
        processed_webhooks: processed,
        webhooks_last_hour: lastHour,
        total: hooksTotal,
        processed,
        last_hour: lastHour,
      },
      webhooksConfigured: configured >= siigo.SIIGO_STOCK_TOPICS.length,
      syncRunning: (await redis.exists(keys.syncLock)) === 1,
    };
  });
}
