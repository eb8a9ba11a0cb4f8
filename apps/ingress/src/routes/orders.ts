import { Prisma } from '@cauce/db';
import { secretMatchesAny } from '@cauce/providers';
import { JOBS, QUEUES } from '@cauce/queues';
import { bool } from '@cauce/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';
import { badRequest } from '../http/bad-request.ts';
import { withTimeout } from '../with-timeout.ts';

/**
 * Order intake and the operator surface (docs/orders.md). POST /api/orders stores the order
 * first and answers at once; worker-orders syncs it to Bigin. The reads are the source
 * document's "useful queries"; retries re-enqueue unsynced orders.
 */

const money = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^\d{1,10}(\.\d{1,2})?$/, 'a price like 159900 or 159900.50'),
  ])
  .transform((v) => Number(v))
  .refine((n) => Number.isFinite(n) && n >= 0 && n < 1e10, 'a price between 0 and 9,999,999,999.99')
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'two decimals at most')
  .transform((n) => n.toFixed(2));
const text = (max: number) => z.string().trim().min(1).max(max);

export const orderBody = z.object({
  customer_name: text(200),
  phone: z.string().trim().min(7).max(30),
  email: z
    .union([z.email().max(320), z.literal('')])
    .nullish()
    .transform((e) => e || null),
  address: text(500),
  city: text(120),
  department: text(120),
  pack: text(200),
  price: money,
  status: text(50).default('pending'),
  session_id: text(200),
});

const idempotencyKey = z.string().trim().min(1).max(200).optional();
const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const listQuery = z.object({
  synced: bool.optional(),
  with_error: bool.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
const actionsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(20) });

/** Constant-time check of X-Api-Key against every configured key (no early exit). */
export const apiKeyMatches = (given: string | undefined, keys: readonly string[]): boolean =>
  !!given && secretMatchesAny(given, keys);

type OrderRow = Prisma.OrderGetPayload<object>;
const present = (o: OrderRow) => {
  const { idempotencyKey: _key, ...rest } = o;
  return { ...rest, price: o.price.toFixed(2) };
};

export async function ordersRoutes(app: FastifyInstance, { db, producer, config, log }: IngressDeps) {
  /** Adds the job but never waits longer than the configured time: the order is stored already. */
  const enqueue = async (orderId: number, trigger: 'intake' | 'retry', jobId: string): Promise<boolean> => {
    const added = producer
      .add(QUEUES.biginOrders, JOBS.biginCreateOrder, { orderId, trigger }, { jobId })
      .then(
        () => true,
        (err) => {
          log.warn({ err, orderId }, 'could not enqueue the Bigin sync; the sweep will pick it up');
          return false;
        },
      );
    return withTimeout(added, config.ORDERS_ENQUEUE_TIMEOUT_MS).catch(() => false);
  };

  const requireApiKey = async (req: FastifyRequest, reply: FastifyReply) => {
    const given = req.headers['x-api-key'];
    if (!apiKeyMatches(typeof given === 'string' ? given : undefined, config.ORDERS_API_KEYS))
      return reply.code(401).send({ error: 'unauthorized', message: 'a valid X-Api-Key is required' });
  };

  app.post('/api/orders', { preHandler: requireApiKey }, async (req, reply) => {
    const body = orderBody.safeParse(req.body);
    if (!body.success) return badRequest(reply, body.error);
    const key = idempotencyKey.safeParse(req.headers['idempotency-key']);
    if (!key.success) return badRequest(reply, key.error);
    const o = body.data;

    const replay = async (existing: OrderRow) => {
      if (existing.sessionId !== o.session_id || existing.pack !== o.pack)
        return reply.code(409).send({
          error: 'idempotency_key_reused',
          message: 'this Idempotency-Key belongs to another order (different session_id or pack)',
        });
      return reply.code(200).send({ id: existing.id, duplicate: true, synced: existing.syncedToBigin });
    };
    // Not stored, so not acknowledged: 503 + Retry-After within INGRESS_DB_TIMEOUT_MS, never a held request.
    const unavailable = (err: unknown) => {
      req.log.error({ err: (err as Error).message }, 'order not stored: PostgreSQL unavailable');
      return reply
        .code(503)
        .header('retry-after', String(config.WEBHOOK_RETRY_AFTER_SECONDS))
        .send({ error: 'unavailable', message: 'the order could not be stored; please retry' });
    };
    if (key.data) {
      let existing: OrderRow | null;
      try {
        existing = await db.order.findUnique({ where: { idempotencyKey: key.data } });
      } catch (err) {
        return unavailable(err);
      }
      if (existing) return replay(existing);
    }
    let order: OrderRow;
    try {
      order = await db.order.create({
        data: {
          sessionId: o.session_id,
          customerName: o.customer_name,
          phone: o.phone,
          email: o.email,
          address: o.address,
          city: o.city,
          department: o.department,
          pack: o.pack,
          price: o.price,
          status: o.status,
          idempotencyKey: key.data ?? null,
        },
      });
    } catch (err) {
      // Two identical requests raced: the loser answers like a replay.
      if (key.data && err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        const existing = await db.order.findUnique({ where: { idempotencyKey: key.data } }).catch(() => null);
        if (existing) return replay(existing);
      }
      return unavailable(err);
    }
    const queued = await enqueue(order.id, 'intake', `order-${order.id}`);
    req.log.info({ orderId: order.id, queued }, 'order stored');
    return reply.code(201).send({ id: order.id, queued });
  });

  app.get('/api/orders', { preHandler: app.requireRole('viewer') }, async (req, reply) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    const where: Prisma.OrderWhereInput = {
      ...(q.data.synced === undefined ? {} : { syncedToBigin: q.data.synced }),
      ...(q.data.with_error ? { syncError: { not: null } } : {}),
    };
    const [total, orders] = await Promise.all([
      db.order.count({ where }),
      db.order.findMany({
        where,
        orderBy: { createdAt: 'desc' },
        take: q.data.limit,
        skip: q.data.offset,
      }),
    ]);
    return { total, count: orders.length, orders: orders.map(present) };
  });

  app.get('/api/orders/:id', { preHandler: app.requireRole('viewer') }, async (req, reply) => {
    const p = idParams.safeParse(req.params);
    if (!p.success) return badRequest(reply, p.error);
    const order = await db.order.findUnique({
      where: { id: p.data.id },
      include: { actions: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } },
    });
    if (!order) return reply.code(404).send({ error: 'not_found' });
    const { actions, ...rest } = order;
    return { order: present(rest), actions };
  });

  app.get('/api/actions', { preHandler: app.requireRole('viewer') }, async (req, reply) => {
    const q = actionsQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    const actions = await db.actionLog.findMany({
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: q.data.limit,
      include: { order: { select: { customerName: true, phone: true } } },
    });
    return {
      count: actions.length,
      actions: actions.map(({ order, ...a }) => ({
        ...a,
        customerName: order?.customerName ?? null,
        phone: order?.phone ?? null,
      })),
    };
  });

  app.post('/api/orders/retry-failed', { preHandler: app.requireRole('admin') }, async (_req, reply) => {
    const orders = await db.order.findMany({
      where: { syncedToBigin: false },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    const stamp = Date.now();
    const queued: number[] = [];
    for (const { id } of orders) {
      if (!(await enqueue(id, 'retry', `order-${id}-retry-${stamp}`)))
        return reply
          .code(503)
          .send({ error: 'queue_unavailable', queued, pending: orders.length - queued.length });
      queued.push(id);
    }
    return reply.code(202).send({ queued: queued.length, orderIds: queued });
  });

  app.post('/api/orders/:id/retry', { preHandler: app.requireRole('admin') }, async (req, reply) => {
    const p = idParams.safeParse(req.params);
    if (!p.success) return badRequest(reply, p.error);
    const order = await db.order.findUnique({ where: { id: p.data.id }, select: { syncedToBigin: true } });
    if (!order) return reply.code(404).send({ error: 'not_found' });
    if (order.syncedToBigin) return reply.code(409).send({ error: 'already_synced' });
    if (!(await enqueue(p.data.id, 'retry', `order-${p.data.id}-retry-${Date.now()}`)))
      return reply.code(503).send({ error: 'queue_unavailable' });
    return reply.code(202).send({ queued: true, id: p.data.id });
  });
}
