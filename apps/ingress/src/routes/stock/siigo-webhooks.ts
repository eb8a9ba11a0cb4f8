import { randomUUID } from 'node:crypto';
import { siigo } from '@cauce/providers';
import { QUEUES, toJobId } from '@cauce/queues';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../../context.ts';
import { AUTH, doc, errors, VIEWER_AUTH } from '../../http/schemas.ts';

/** The SIIGO webhook log and a synthetic stock.update through the real intake path. */

const testBody = z.object({
  product_id: z.union([z.string().min(1), z.number().int().positive()]),
  new_stock: z.number().finite(),
});
const logsQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
const tags = ['stock'];

const logsSchema = {
  ...doc({
    summary: 'Latest SIIGO webhook events (see /api/admin/webhooks/logs for every provider)',
    tags,
    auth: 'viewer',
  }),
  querystring: logsQuery,
  response: {
    200: z
      .object({
        logs: z.array(
          z.object({
            id: z.string(),
            topic: z.string(),
            productId: z.string().nullable(),
            status: z.string(),
            error: z.string().nullable(),
            attempts: z.number().int(),
            receivedAt: z.string(),
            processedAt: z.string().nullable(),
          }),
        ),
      })
      .describe('events, newest first'),
    ...VIEWER_AUTH,
  },
};
const testSchema = {
  ...doc({
    summary: 'A synthetic SIIGO stock.update through the real path',
    description:
      'Stored in webhook_events (marked synthetic), queued on siigo-stock and processed by worker-stock, which takes new_stock from it.',
    tags,
    auth: 'admin',
  }),
  body: testBody,
  response: {
    202: z
      .object({ received: z.literal(true), webhookEventId: z.string(), timestamp: z.string() })
      .describe('stored and queued'),
    ...errors({ 404: 'no such product', 503: 'PostgreSQL unavailable: not stored' }),
    ...AUTH,
  },
};

export async function siigoWebhookLogRoutes(scope: FastifyInstance, { db }: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const viewer = app.requireRole('viewer');
  const admin = app.requireRole('admin');

  /** Latest SIIGO webhook events, newest first. */
  app.get('/api/webhooks/logs', { preValidation: viewer, schema: logsSchema }, async (req) => {
    const { limit } = req.query;
    const rows = await db.webhookEvent.findMany({
      where: { provider: 'siigo' },
      orderBy: { id: 'desc' },
      take: limit,
      select: {
        id: true,
        eventType: true,
        entityId: true,
        status: true,
        error: true,
        attempts: true,
        receivedAt: true,
        processedAt: true,
      },
    });
    return {
      logs: rows.map((r) => ({
        id: r.id.toString(),
        topic: r.eventType,
        productId: r.entityId,
        status: r.status,
        error: r.error,
        attempts: r.attempts,
        receivedAt: r.receivedAt.toISOString(),
        processedAt: r.processedAt?.toISOString() ?? null,
      })),
    };
  });

  /**
   * A synthetic stock.update through the real path: stored in webhook_events, queued on
   * siigo-stock, processed by worker-stock (which takes new_stock from it instead of re-fetching).
   * The row's `synthetic` column marks it, out of band: a provider's body can never select that path.
   */
  app.post('/api/webhooks/test', { preValidation: admin, schema: testSchema }, async (req, reply) => {
    const { product_id, new_stock } = req.body;
    const id = String(product_id);
    const product = await db.product.findFirst({
      where: /^\d+$/.test(id) ? { OR: [{ id: BigInt(id) }, { siigoProductId: id }] } : { siigoProductId: id },
    });
    if (!product) return reply.code(404).send({ error: 'not_found', message: `no product ${id}` });
    const topic = siigo.SIIGO_TOPICS.stockUpdate;
    const dedupeKey = `siigo:test:${randomUUID()}`;
    const payload = { topic, id: product.siigoProductId, available_quantity: new_stock };
    let event: Awaited<ReturnType<typeof app.webhookIntake.accept>>;
    try {
      event = await app.webhookIntake.accept({
        provider: 'siigo',
        eventType: topic,
        dedupeKey,
        entityId: product.siigoProductId,
        status: 'received',
        queue: QUEUES.siigoStock,
        jobId: toJobId(dedupeKey),
        payload: JSON.stringify(payload),
        headers: null,
        error: null,
        synthetic: true,
      });
    } catch {
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ error: 'unavailable', message: 'could not store the event' });
    }
    return reply
      .code(202)
      .send({ received: true as const, webhookEventId: event.id, timestamp: new Date().toISOString() });
  });
}
