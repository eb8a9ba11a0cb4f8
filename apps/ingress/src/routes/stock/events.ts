import type { ServerResponse } from 'node:http';
import { siigo } from '@cauce/providers';
import { Counter, duplicateRedis, Gauge, type RedisConnection, type Registry } from '@cauce/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../../context.ts';
import { doc, textBody, VIEWER_AUTH } from '../../http/schemas.ts';

/**
 * The live stock event stream (SSE, replay by Last-Event-ID from a Redis stream). worker-stock
 * writes the events; this only reads them (they meet in Redis, never in code).
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
  private sub?: RedisConnection;
  private starting?: Promise<void>;
  /** Newest id forwarded: after a Redis reconnect the hub reads what pub/sub dropped meanwhile. */
  private lastId: string | null = null;

  constructor(
    private readonly redis: RedisConnection,
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
    const sub = duplicateRedis(this.redis, {
      maxRetriesPerRequest: null,
      connectionName: SSE_CONNECTION_NAME,
    });
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

const eventsSchema = {
  ...doc({
    summary: 'Live stock changes (Server-Sent Events)',
    description: '`Last-Event-ID` (or `?lastEventId=`) replays the events missed since that id.',
    tags: ['stock'],
    auth: 'viewer',
  }),
  querystring: z.object({ lastEventId: z.string().optional() }),
  response: { 200: textBody('the event stream', 'text/event-stream'), ...VIEWER_AUTH },
};

function registerMetric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export async function stockEventRoutes(scope: FastifyInstance, deps: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { config, redis, registry } = deps;
  const keys = siigo.stockRedisKeys(config.QUEUE_PREFIX);
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

  /** Live stock changes as Server-Sent Events; `Last-Event-ID` (or ?lastEventId=) replays what was missed. */
  const viewer = app.requireRole('viewer');
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
}
