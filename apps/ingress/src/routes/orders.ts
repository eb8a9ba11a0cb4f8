import { Prisma } from '@cauce/db';
import { secretMatchesAny } from '@cauce/providers';
import { JOBS, QUEUES } from '@cauce/queues';
import { bool } from '@cauce/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';
import { AUTH, doc, errors, storedTime, VIEWER_AUTH } from '../http/schemas.ts';
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

const orderHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('the same key answers 200 with duplicate: true'),
});
const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const listQuery = z.object({
  synced: bool.optional(),
  with_error: bool.optional(),
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .describe('an order id, part of the customer name, or part of the phone (digits)'),
  sort: z
    .enum(['created', 'last_sync'])
    .default('created')
    .describe('created: newest first; last_sync: most recently synced (or tried) first'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
const actionsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(20) });

/** An order as the operator views show it (the idempotency key stays private). */
const orderView = z.object({
  id: z.number().int(),
  sessionId: z.string(),
  customerName: z.string(),
  phone: z.string(),
  email: z.string().nullable(),
  address: z.string(),
  city: z.string(),
  department: z.string(),
  pack: z.string(),
  price: z.string(),
  status: z.string(),
  syncedToBigin: z.boolean(),
  biginOrderId: z.string().nullable(),
  syncError: z.string().nullable(),
  lastSyncAt: storedTime.nullable(),
  createdAt: storedTime,
  updatedAt: storedTime,
});
const actionFields = {
  id: z.number().int(),
  orderId: z.number().int().nullable(),
  actionType: z.string(),
  actionData: z.unknown(),
  success: z.boolean(),
  errorMessage: z.string().nullable(),
  workflowName: z.string().nullable(),
  executionId: z.string().nullable(),
  createdAt: storedTime,
};
const action = z.object(actionFields);
const tags = ['orders'];

/** Constant-time check of X-Api-Key against every configured key (no early exit). */
export const apiKeyMatches = (given: string | undefined, keys: readonly string[]): boolean =>
  !!given && secretMatchesAny(given, keys);

type OrderRow = Prisma.OrderGetPayload<object>;
const present = (o: OrderRow) => {
  const { idempotencyKey: _key, ...rest } = o;
  return { ...rest, price: o.price.toFixed(2) };
};

/** The search box: an order id (digits), part of the phone (4+ digits), or part of the name. */
function orderSearch(q: string | undefined): Prisma.OrderWhereInput {
  if (!q) return {};
  const or: Prisma.OrderWhereInput[] = [{ customerName: { contains: q, mode: 'insensitive' } }];
  const digits = q.replace(/[\s().+-]/g, '');
  if (/^\d{1,9}$/.test(q)) or.push({ id: Number(q) });
  if (/^\d{4,}$/.test(digits)) or.push({ phone: { contains: digits } });
  return { OR: or };
}

export async function ordersRoutes(scope: FastifyInstance, { db, producer, config, log }: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
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

  const postOrder = {
    ...doc({
      summary: 'Store an order; worker-orders syncs it to Bigin',
      description:
        'An `Idempotency-Key` header makes retries safe: the same key answers 200 with `duplicate: true`.',
      tags,
      auth: 'apiKey',
    }),
    body: orderBody,
    headers: orderHeaders,
    response: {
      201: z.object({ id: z.number().int(), queued: z.boolean() }).describe('stored'),
      200: z
        .object({ id: z.number().int(), duplicate: z.literal(true), synced: z.boolean() })
        .describe('the Idempotency-Key was seen before'),
      ...errors({
        400: 'invalid body or Idempotency-Key',
        401: 'missing or wrong X-Api-Key',
        409: 'the Idempotency-Key belongs to another order',
        503: 'PostgreSQL unavailable: not stored, retry after Retry-After',
      }),
    },
  };
  app.post('/api/orders', { preValidation: requireApiKey, schema: postOrder }, async (req, reply) => {
    const o = req.body;
    const key = req.headers['idempotency-key'];

    const replay = async (existing: OrderRow) => {
      if (existing.sessionId !== o.session_id || existing.pack !== o.pack)
        return reply.code(409).send({
          error: 'idempotency_key_reused',
          message: 'this Idempotency-Key belongs to another order (different session_id or pack)',
        });
      return reply
        .code(200)
        .send({ id: existing.id, duplicate: true as const, synced: existing.syncedToBigin });
    };
    // Not stored, so not acknowledged: 503 + Retry-After within INGRESS_DB_TIMEOUT_MS, never a held request.
    const unavailable = (err: unknown) => {
      req.log.error({ err: (err as Error).message }, 'order not stored: PostgreSQL unavailable');
      return reply
        .code(503)
        .header('retry-after', String(config.WEBHOOK_RETRY_AFTER_SECONDS))
        .send({ error: 'unavailable', message: 'the order could not be stored; please retry' });
    };
    if (key) {
      let existing: OrderRow | null;
      try {
        existing = await db.order.findUnique({ where: { idempotencyKey: key } });
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
          idempotencyKey: key ?? null,
        },
      });
    } catch (err) {
      // Two identical requests raced: the loser answers like a replay.
      if (key && err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        const existing = await db.order.findUnique({ where: { idempotencyKey: key } }).catch(() => null);
        if (existing) return replay(existing);
      }
      return unavailable(err);
    }
    const queued = await enqueue(order.id, 'intake', `order-${order.id}`);
    req.log.info({ orderId: order.id, queued }, 'order stored');
    return reply.code(201).send({ id: order.id, queued });
  });

  const viewer = app.requireRole('viewer');
  const admin = app.requireRole('admin');
  const listSchema = {
    ...doc({ summary: 'List orders, newest first', tags, auth: 'viewer' }),
    querystring: listQuery,
    response: {
      200: z
        .object({ total: z.number().int(), count: z.number().int(), orders: z.array(orderView) })
        .describe('a page of orders'),
      ...VIEWER_AUTH,
    },
  };
  app.get('/api/orders', { preValidation: viewer, schema: listSchema }, async (req) => {
    const where: Prisma.OrderWhereInput = {
      ...(req.query.synced === undefined ? {} : { syncedToBigin: req.query.synced }),
      ...(req.query.with_error ? { syncError: { not: null } } : {}),
      ...orderSearch(req.query.q),
    };
    const [total, orders] = await Promise.all([
      db.order.count({ where }),
      db.order.findMany({
        where,
        orderBy:
          req.query.sort === 'last_sync'
            ? [{ lastSyncAt: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }]
            : [{ createdAt: 'desc' }, { id: 'desc' }],
        take: req.query.limit,
        skip: req.query.offset,
      }),
    ]);
    return { total, count: orders.length, orders: orders.map(present) };
  });

  const oneSchema = {
    ...doc({ summary: 'One order with its actions log', tags, auth: 'viewer' }),
    params: idParams,
    response: {
      200: z.object({ order: orderView, actions: z.array(action) }).describe('the order'),
      ...errors({ 404: 'no such order' }),
      ...VIEWER_AUTH,
    },
  };
  app.get('/api/orders/:id', { preValidation: viewer, schema: oneSchema }, async (req, reply) => {
    const order = await db.order.findUnique({
      where: { id: req.params.id },
      include: { actions: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } },
    });
    if (!order) return reply.code(404).send({ error: 'not_found', message: 'not found' });
    const { actions, ...rest } = order;
    return { order: present(rest), actions };
  });

  const actionsSchema = {
    ...doc({ summary: 'Latest Bigin sync actions', tags, auth: 'viewer' }),
    querystring: actionsQuery,
    response: {
      200: z
        .object({
          count: z.number().int(),
          actions: z.array(
            z.object({
              ...actionFields,
              customerName: z.string().nullable(),
              phone: z.string().nullable(),
            }),
          ),
        })
        .describe('actions, newest first'),
      ...VIEWER_AUTH,
    },
  };
  app.get('/api/actions', { preValidation: viewer, schema: actionsSchema }, async (req) => {
    const actions = await db.actionLog.findMany({
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: req.query.limit,
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

  const retryFailedSchema = {
    ...doc({ summary: 'Re-enqueue every order not yet synced to Bigin', tags, auth: 'admin' }),
    response: {
      202: z.object({ queued: z.number().int(), orderIds: z.array(z.number().int()) }).describe('queued'),
      503: z
        .looseObject({
          error: z.string(),
          message: z.string(),
          queued: z.array(z.number().int()),
          pending: z.number().int(),
        })
        .describe('Redis unavailable part way: the ids queued so far and how many were not'),
      ...AUTH,
    },
  };
  app.post(
    '/api/orders/retry-failed',
    { preValidation: admin, schema: retryFailedSchema },
    async (_req, reply) => {
      const orders = await db.order.findMany({
        where: { syncedToBigin: false },
        select: { id: true },
        orderBy: { id: 'asc' },
      });
      const stamp = Date.now();
      const queued: number[] = [];
      for (const { id } of orders) {
        if (!(await enqueue(id, 'retry', `order-${id}-retry-${stamp}`)))
          return reply.code(503).send({
            error: 'queue_unavailable',
            message: 'queue unavailable',
            queued,
            pending: orders.length - queued.length,
          });
        queued.push(id);
      }
      return reply.code(202).send({ queued: queued.length, orderIds: queued });
    },
  );

  const retrySchema = {
    ...doc({ summary: 'Re-enqueue one unsynced order', tags, auth: 'admin' }),
    params: idParams,
    response: {
      202: z.object({ queued: z.literal(true), id: z.number().int() }).describe('queued'),
      ...errors({ 404: 'no such order', 409: 'already synced', 503: 'Redis unavailable' }),
      ...AUTH,
    },
  };
  app.post('/api/orders/:id/retry', { preValidation: admin, schema: retrySchema }, async (req, reply) => {
    const order = await db.order.findUnique({
      where: { id: req.params.id },
      select: { syncedToBigin: true },
    });
    if (!order) return reply.code(404).send({ error: 'not_found', message: 'not found' });
    if (order.syncedToBigin)
      return reply.code(409).send({ error: 'already_synced', message: 'already synced' });
    if (!(await enqueue(req.params.id, 'retry', `order-${req.params.id}-retry-${Date.now()}`)))
      return reply.code(503).send({ error: 'queue_unavailable', message: 'queue unavailable' });
    return reply.code(202).send({ queued: true as const, id: req.params.id });
  });
}
