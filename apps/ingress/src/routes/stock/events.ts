import { siigo } from '@cauce/providers';
import { Counter, duplicateRedis, Gauge, type RedisConnection, type Registry } from '@cauce/runtime';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../../context.ts';
import { doc, errors, textBody, VIEWER_AUTH } from '../../http/schemas.ts';

/**
 * The live stock event stream, two transports over one hub: Server-Sent Events
 * (/api/stock/events, replay by Last-Event-ID) and WebSocket (/api/stock/ws, replay by
 * ?lastEventId=, the source system's transport), both from a Redis stream. worker-stock writes
 * the events; this only reads them (they meet in Redis, never in code).
 */

const SSE_HEARTBEAT_MS = 15_000;
/** Replay reads the stream in pages of this many entries (all of what was missed, page by page). */
const REPLAY_PAGE = 1_000;
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
/** CLIENT LIST name of the hub's subscriber connection (operators, tests): one per deployment's prefix. */
export const sseConnectionName = (prefix: string) => `${prefix}:stock-events`;

/** Compares Redis stream ids ("ms-seq") numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

const frame = (id: string, data: string) => `id: ${id}\ndata: ${data}\n\n`;

/** One open stream, whatever its transport (SSE or WebSocket): the hub only sends and ends. */
export interface StockEventClient {
  /** A stock event: its stream id and its JSON (the source document's payload). */
  send(id: string, data: string): void;
  /** The id asked for predates what the stream keeps: the client should reload its numbers. */
  gap(info: { lastEventId: string; oldestAvailable: string }): void;
  end(): void;
}

interface Attached {
  client: StockEventClient;
  /** Live events that arrived while the replay was being read. */
  buffer: Array<[string, string]> | null;
}

/**
 * One Redis subscriber per ingress, fanned out to every open stream (a connection per browser
 * would not scale), for both transports. Started with the first client, stopped with the app.
 * `attach` is the one replay: subscribe first, then read the stream after the client's last id,
 * then flush what arrived meanwhile.
 */
export class StockEventHub {
  private readonly clients = new Set<Attached>();
  private sub?: RedisConnection;
  private starting?: Promise<void>;
  /** Newest id forwarded: after a Redis reconnect the hub reads what pub/sub dropped meanwhile. */
  private lastId: string | null = null;

  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: { eventStream: string; eventChannel: string },
    private readonly connectionName: string,
    private readonly onSend: (mode: 'live' | 'replay', n: number) => void,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** Adds the client and replays what it missed after `lastId` (a stream id, or null: live only). */
  async attach(client: StockEventClient, lastId: string | null): Promise<() => void> {
    const entry: Attached = { client, buffer: lastId ? [] : null };
    this.clients.add(entry);
    const detach = () => {
      this.clients.delete(entry);
    };
    try {
      this.starting ??= this.start();
      await this.starting;
      if (lastId) await this.replay(entry, lastId);
    } catch (err) {
      detach();
      throw err;
    }
    return detach;
  }

  private async replay(entry: Attached, lastId: string): Promise<void> {
    const { client } = entry;
    const [oldest] = await this.redis.xrange(this.keys.eventStream, '-', '+', 'COUNT', 1);
    if (oldest && compareStreamIds(lastId, oldest[0]) < 0)
      client.gap({ lastEventId: lastId, oldestAvailable: oldest[0] });
    let last = lastId;
    for (;;) {
      const missed = await this.redis.xrange(this.keys.eventStream, `(${last}`, '+', 'COUNT', REPLAY_PAGE);
      for (const [id, fields] of missed) {
        const data = fields[fields.indexOf('event') + 1];
        if (data !== undefined) client.send(id, data);
        last = id;
      }
      this.onSend('replay', missed.length);
      if (missed.length < REPLAY_PAGE) break;
    }
    for (const [id, data] of entry.buffer ?? []) if (compareStreamIds(id, last) > 0) client.send(id, data);
    entry.buffer = null;
  }

  private forward(id: string, data: string): void {
    // Ids only grow (one Lua call appends and publishes); anything not newer was already sent.
    if (this.lastId && compareStreamIds(id, this.lastId) <= 0) return;
    this.lastId = id;
    for (const c of this.clients) {
      if (c.buffer) c.buffer.push([id, data]);
      else c.client.send(id, data);
    }
    this.onSend('live', this.clients.size);
  }

  private async start(): Promise<void> {
    const sub = duplicateRedis(this.redis, {
      maxRetriesPerRequest: null,
      connectionName: this.connectionName,
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
    for (const c of this.clients) c.client.end();
    this.clients.clear();
    this.sub?.disconnect();
  }
}

/** A client's last seen id from a header or query value, when it is a stream id. */
export function lastSeenId(raw: unknown): string | null {
  return typeof raw === 'string' && STREAM_ID.test(raw.trim()) ? raw.trim() : null;
}

/** A WebSocket message: the source system's payload, plus the event's id for replay. */
export function wsMessage(id: string, data: string): string {
  return `${data.slice(0, -1)}${data.length > 2 ? ',' : ''}"eventId":${JSON.stringify(id)}}`;
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
  const wsClients = registerMetric(
    registry,
    'stock_ws_clients',
    () => new Gauge({ name: 'stock_ws_clients', help: 'Open /api/stock/ws sockets', registers: [registry] }),
  );
  const hub = new StockEventHub(redis, keys, sseConnectionName(config.QUEUE_PREFIX), (mode, n) =>
    streamed.inc({ mode }, n),
  );
  // preClose: open streams must end before the server can finish closing.
  app.addHook('preClose', async () => hub.close());

  /** Live stock changes as Server-Sent Events; `Last-Event-ID` (or ?lastEventId=) replays what was missed. */
  const viewer = app.requireRole('viewer');
  app.get('/api/stock/events', { preValidation: viewer, schema: eventsSchema }, async (req, reply) => {
    const lastId = lastSeenId(req.headers['last-event-id'] ?? req.query.lastEventId);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    let detach = () => {};
    const heartbeat = setInterval(() => res.write(': ping\n\n'), SSE_HEARTBEAT_MS);
    const client: StockEventClient = {
      send: (id, data) => res.write(frame(id, data)),
      gap: (info) => res.write(`event: gap\ndata: ${JSON.stringify(info)}\n\n`),
      end: () => res.end(),
    };
    let closed = false;
    req.raw.on('close', () => {
      closed = true;
      clearInterval(heartbeat);
      detach();
      sseClients.set(hub.size);
    });
    try {
      detach = await hub.attach(client, lastId);
      if (closed) detach();
      sseClients.set(hub.size);
    } catch (err) {
      // Redis failed mid-replay: end the stream; the browser reconnects with its Last-Event-ID.
      req.log.warn({ err }, 'stock event stream aborted');
      detach();
      res.end();
    }
  });

  await stockWebSocketRoute(app, hub, viewer, wsClients);
}

const wsSchema = {
  ...doc({
    summary: 'Live stock changes (WebSocket)',
    description:
      "Each message is a stock change in the source system's payload `{productId, siigoProductId, productName, oldStock, newStock, source, timestamp}` plus `eventId`, its stream id; `?lastEventId=` replays the changes missed since that id, then the socket goes live. A `{type: 'gap', lastEventId, oldestAvailable}` message says the id predates what is kept (reload the numbers). Authenticated like the SSE stream: a Bearer token or the session cookie, viewer or admin. A plain HTTP GET (no upgrade) gets 426.",
    tags: ['stock'],
    auth: 'viewer',
  }),
  querystring: z.object({ lastEventId: z.string().optional() }),
  response: {
    101: textBody('switching to the WebSocket protocol', 'application/json'),
    ...errors({ 426: 'not a WebSocket upgrade request' }),
    ...VIEWER_AUTH,
  },
};

/** Socket messages past this many unsent bytes mean a client that stopped reading: it is dropped. */
const WS_MAX_BUFFERED = 4 * 1024 * 1024;

async function stockWebSocketRoute(
  scope: FastifyInstance,
  hub: StockEventHub,
  viewer: (req: FastifyRequest, reply: FastifyReply) => Promise<void>,
  gauge: Gauge,
) {
  if (!scope.hasDecorator('websocketServer'))
    await scope.register(fastifyWebsocket, { options: { maxPayload: 4096 } });
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.route({
    method: 'GET',
    url: '/api/stock/ws',
    preValidation: viewer,
    schema: wsSchema,
    handler: async (_req, reply) =>
      reply
        .code(426)
        .header('upgrade', 'websocket')
        .send({ error: 'upgrade_required', message: 'open this URL as a WebSocket' }),
    wsHandler: (socket, req) => {
      const lastId = lastSeenId((req.query as { lastEventId?: unknown }).lastEventId);
      let detach = () => {};
      let closed = false;
      const client: StockEventClient = {
        send(id, data) {
          if (socket.bufferedAmount > WS_MAX_BUFFERED) return socket.terminate();
          socket.send(wsMessage(id, data));
        },
        gap: (info) => socket.send(JSON.stringify({ type: 'gap', ...info })),
        end: () => socket.close(1001, 'server shutting down'),
      };
      socket.on('close', () => {
        closed = true;
        detach();
        gauge.set(hub.size);
      });
      // Operators' browsers send nothing; anything they send is ignored.
      socket.on('message', () => {});
      hub.attach(client, lastId).then(
        (d) => {
          detach = d;
          if (closed) d();
          gauge.set(hub.size);
        },
        (err) => {
          req.log.warn({ err }, 'stock event socket aborted');
          socket.close(1011, 'replay failed, reconnect');
        },
      );
    },
  });
}
