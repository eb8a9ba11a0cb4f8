import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../../context.ts';
import { doc, errors, numericId, VIEWER_AUTH } from '../../http/schemas.ts';

/**
 * Products as worker-stock stores them (`products`) and each product's change history
 * (`stock_changes`, one row per real stock change, from a webhook or a scheduled sync): what the
 * console's Stock page lists. Read-only.
 */
const tags = ['stock'];
const productView = z.object({
  id: z.string(),
  siigoProductId: z.string(),
  code: z.string().nullable(),
  name: z.string(),
  stock: z.number(),
  active: z.boolean(),
  lastSource: z.string().nullable(),
  lastSyncAt: z.string().nullable(),
  updatedAt: z.string(),
});
const changeView = z.object({
  id: z.string(),
  oldStock: z.number().nullable(),
  newStock: z.number(),
  source: z.string().describe('webhook | scheduled_sync'),
  webhookEventId: z.string().nullable(),
  createdAt: z.string(),
});
const listQuery = z.object({
  search: z.string().trim().max(100).optional().describe('part of the name, code or SIIGO id'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

type ProductRow = {
  id: bigint;
  siigoProductId: string;
  code: string | null;
  name: string;
  stock: { toString(): string };
  active: boolean;
  lastSource: string | null;
  lastSyncAt: Date | null;
  updatedAt: Date;
};
const view = (p: ProductRow) => ({
  id: String(p.id),
  siigoProductId: p.siigoProductId,
  code: p.code,
  name: p.name,
  stock: Number(p.stock.toString()),
  active: p.active,
  lastSource: p.lastSource,
  lastSyncAt: p.lastSyncAt ? p.lastSyncAt.toISOString() : null,
  updatedAt: p.updatedAt.toISOString(),
});

export async function stockProductRoutes(scope: FastifyInstance, { db }: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const viewer = app.requireRole('viewer');

  app.get(
    '/api/stock/products',
    {
      preValidation: viewer,
      schema: {
        ...doc({
          summary: 'Products, most recently updated first (search by name, code, SIIGO id)',
          tags,
          auth: 'viewer',
        }),
        querystring: listQuery,
        response: {
          200: z.object({ products: z.array(productView) }).describe('the products'),
          ...VIEWER_AUTH,
        },
      },
    },
    async (req) => {
      const s = req.query.search;
      const rows = await db.product.findMany({
        where: s
          ? {
              OR: [
                { name: { contains: s, mode: 'insensitive' } },
                { code: { contains: s, mode: 'insensitive' } },
                { siigoProductId: { contains: s, mode: 'insensitive' } },
              ],
            }
          : {},
        orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
        take: req.query.limit,
      });
      return { products: rows.map(view) };
    },
  );

  app.get(
    '/api/stock/products/:id/changes',
    {
      preValidation: viewer,
      schema: {
        ...doc({ summary: 'A product and its stock change history, newest first', tags, auth: 'viewer' }),
        params: z.object({ id: numericId }),
        querystring: historyQuery,
        response: {
          200: z.object({ product: productView, changes: z.array(changeView) }).describe('the history'),
          ...errors({ 404: 'no such product' }),
          ...VIEWER_AUTH,
        },
      },
    },
    async (req, reply) => {
      const id = BigInt(req.params.id);
      const product = await db.product.findUnique({ where: { id } });
      if (!product) return reply.code(404).send({ error: 'not_found', message: 'no such product' });
      const changes = await db.stockChange.findMany({
        where: { productId: id },
        orderBy: { id: 'desc' },
        take: req.query.limit,
      });
      return {
        product: view(product),
        changes: changes.map((c) => ({
          id: String(c.id),
          oldStock: c.oldStock == null ? null : Number(c.oldStock.toString()),
          newStock: Number(c.newStock.toString()),
          source: c.source,
          webhookEventId: c.webhookEventId == null ? null : String(c.webhookEventId),
          createdAt: c.createdAt.toISOString(),
        })),
      };
    },
  );
}
