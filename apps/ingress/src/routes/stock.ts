import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { siigo, siigoBudget } from '@cauce/providers';
import { JOBS, QUEUES, toJobId } from '@cauce/queues';
import {
  bool,
  Counter,
  createScrubber,
  Gauge,
  ProviderError,
  RedisLease,
  type Registry,
  secretValues,
} from '@cauce/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';
import { AUTH, doc, errors, textBody, VIEWER_AUTH } from '../http/schemas.ts';
import { hasRole } from '../plugins/auth.ts';

/**
 * SIIGO stock surface of the ingress: the live stock event stream (SSE, replay by Last-Event-ID
 * from a Redis stream), stats, an on-demand sync, and SIIGO webhook subscription management.
 * worker-stock writes the events and the products; this only reads them (they meet in Redis
 * and PostgreSQL, never in code).
 */

const SSE_HEARTBEAT_MS = 15_000;
/** Replay reads the stream in pages of this many entries (all of what was missed, page by page). */
const REPLAY_PAGE = 1_000;
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
/** CLIENT LIST name of the hub's subscriber connection (operators, tests). */
export const SSE_CONNECTION_NAME = 'cauce-stock-events';

/** Compares Redis stream ids ("ms-seq") numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

const frame = (id: string, data: string) => `id: ${id}\ndata: ${data}\n\n`;

interface SseClient {
  res: ServerResponse;
  /** Live events that arrived while the replay was being read. */
  buffer: Array<[string, string]> | null;
}

/**
 * One Redis subscriber per ingress, fanned out to every open stream (a connection per browser
 * would not scale). Started with the first client, stopped with the app.
 */
class StockEventHub {
  private readonly clients = new Set<SseClient>();
  private sub?: Redis;
  private starting?: Promise<void>;
  /** Newest id forwarded: after a Redis reconnect the hub reads what pub/sub dropped meanwhile. */
  private lastId: string | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly keys: { eventStream: string; eventChannel: string },
    private readonly onSend: (n: number) => void,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  async add(client: SseClient): Promise<void> {
    this.clients.add(client);
    this.starting ??= this.start();
    await this.starting;
  }

  remove(client: SseClient): void {
    this.clients.delete(client);
  }

  private forward(id: string, data: string): void {
    // Ids only grow (one Lua call appends and publishes); anything not newer was already sent.
    if (this.lastId && compareStreamIds(id, this.lastId) <= 0) return;
    this.lastId = id;
    for (const c of this.clients) {
      if (c.buffer) c.buffer.push([id, data]);
      else c.res.write(frame(id, data));
    }
    this.onSend(this.clients.size);
  }

  private async start(): Promise<void> {
    const sub = this.redis.duplicate({ maxRetriesPerRequest: null, connectionName: SSE_CONNECTION_NAME });
    this.sub = sub;
    sub.on('error', () => {}); // reconnects by itself and re-subscribes
    let connected = false;
    sub.on('ready', () => {
      if (connected && this.lastId) {
        this.redis
          .xrange(this.keys.eventStream, `(${this.lastId}`, '+', 'COUNT', REPLAY_PAGE * 10)
          .then((missed) => {
            for (const [id, fields] of missed) {
              const data = fields[fields.indexOf('event') + 1];
              if (data !== undefined) this.forward(id, data);
            }
          })
          .catch(() => {});
      }
      connected = true;
    });
    sub.on('message', (_channel: string, message: string) => {
      const cut = message.indexOf(' ');
      if (cut > 0) this.forward(message.slice(0, cut), message.slice(cut + 1));
    });
    await sub.subscribe(this.keys.eventChannel);
    // Catch-up after a reconnect starts from here even if nothing was forwarded yet.
    const [latest] = await this.redis.xrevrange(this.keys.eventStream, '+', '-', 'COUNT', 1);
    if (latest && !this.lastId) this.lastId = latest[0];
  }

  close(): void {
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    this.sub?.disconnect();
  }
}

const testBody = z.object({
  product_id: z.union([z.string().min(1), z.number().int().positive()]),
  new_stock: z.number().finite(),
});
const logsQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
const subscriptionsQuery = z.object({
  reveal: bool.optional().describe('admins only: show the URLs as stored'),
});
const tags = ['stock'];

const eventsSchema = {
  ...doc({
    summary: 'Live stock changes (Server-Sent Events)',
    description: '`Last-Event-ID` (or `?lastEventId=`) replays the events missed since that id.',
    tags,
    auth: 'viewer',
  }),
  querystring: z.object({ lastEventId: z.string().optional() }),
  response: { 200: textBody('the event stream', 'text/event-stream'), ...VIEWER_AUTH },
};
const statsSchema = {
  ...doc({ summary: 'Products, SIIGO webhook counts and sync state', tags, auth: 'viewer' }),
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
const syncSchema = {
  ...doc({ summary: 'Run the SIIGO stock sync now', tags, auth: 'admin' }),
  response: {
    202: z.object({ queued: z.literal(true), jobId: z.string() }).describe('queued'),
    ...AUTH,
  },
};
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

function registerMetric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export async function stockRoutes(scope: FastifyInstance, deps: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { config, db, redis, producer, registry } = deps;
  const keys = siigo.stockRedisKeys(config.QUEUE_PREFIX);
  /** Subscription URLs carry SIIGO_WEBHOOK_TOKEN: shown and logged masked (secrets.ts). */
  const mask = createScrubber(secretValues(config));
  const sseClients = registerMetric(
    registry,
    'stock_sse_clients',
    () =>
      new Gauge({ name: 'stock_sse_clients', help: 'Open /api/stock/events streams', registers: [registry] }),
  );
  const streamed = registerMetric(
    registry,
    'stock_events_streamed_total',
    () =>
      new Counter({
        name: 'stock_events_streamed_total',
        help: 'Stock events written to browser streams (live and replayed)',
        labelNames: ['mode'] as const,
        registers: [registry],
      }),
  );
  const hub = new StockEventHub(redis, keys, (n) => streamed.inc({ mode: 'live' }, n));
  // preClose: open streams must end before the server can finish closing.
  app.addHook('preClose', async () => hub.close());

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

  /** Live stock changes as Server-Sent Events; `Last-Event-ID` (or ?lastEventId=) replays what was missed. */
  const viewer = app.requireRole('viewer');
  const admin = app.requireRole('admin');
  app.get('/api/stock/events', { preValidation: viewer, schema: eventsSchema }, async (req, reply) => {
    const raw = req.headers['last-event-id'] ?? req.query.lastEventId;
    const lastId = typeof raw === 'string' && STREAM_ID.test(raw.trim()) ? raw.trim() : null;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const sse: SseClient = { res, buffer: lastId ? [] : null };
    const heartbeat = setInterval(() => res.write(': ping\n\n'), SSE_HEARTBEAT_MS);
    req.raw.on('close', () => {
      clearInterval(heartbeat);
      hub.remove(sse);
      sseClients.set(hub.size);
    });
    try {
      await hub.add(sse);
      sseClients.set(hub.size);
      if (!lastId) return;
      // Subscribed first, then read the stream: anything published meanwhile sits in the buffer.
      const [oldest] = await redis.xrange(keys.eventStream, '-', '+', 'COUNT', 1);
      if (oldest && compareStreamIds(lastId, oldest[0]) < 0) {
        // The id predates what the stream keeps: say so, so the page can reload its numbers.
        const gap = JSON.stringify({ lastEventId: lastId, oldestAvailable: oldest[0] });
        res.write(`event: gap\ndata: ${gap}\n\n`);
      }
      let last = lastId;
      for (;;) {
        const missed = await redis.xrange(keys.eventStream, `(${last}`, '+', 'COUNT', REPLAY_PAGE);
        for (const [id, fields] of missed) {
          const data = fields[fields.indexOf('event') + 1];
          if (data !== undefined) res.write(frame(id, data));
          last = id;
        }
        streamed.inc({ mode: 'replay' }, missed.length);
        if (missed.length < REPLAY_PAGE) break;
      }
      for (const [id, data] of sse.buffer ?? [])
        if (compareStreamIds(id, last) > 0) res.write(frame(id, data));
      sse.buffer = null;
    } catch (err) {
      // Redis failed mid-replay: end the stream; the browser reconnects with its Last-Event-ID.
      req.log.warn({ err }, 'stock event stream aborted');
      hub.remove(sse);
      res.end();
    }
  });

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

  /** Runs a sync now (the scheduler's job, queued once more; the worker's lock prevents overlap). */
  app.post('/api/stock/sync', { preValidation: admin, schema: syncSchema }, async (_req, reply) => {
    const job = await producer.add(
      QUEUES.siigoSync,
      JOBS.siigoScheduledSync,
      { trigger: 'manual' },
      { jobId: `manual-${Date.now()}` },
    );
    return reply.code(202).send({ queued: true as const, jobId: String(job.id) });
  });

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
