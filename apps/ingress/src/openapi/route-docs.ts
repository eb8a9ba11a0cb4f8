import { z } from 'zod';
import type { RouteDocs } from '../plugins/openapi.ts';
import { orderBody } from '../routes/orders.ts';

/**
 * Documentation for routes defined in files that do not carry their own `config.openapi`
 * (orders, stock, health, the provider webhooks), keyed by "METHOD /url" exactly as registered.
 * These schemas describe what the handlers accept; the handlers' own zod parsing stays the
 * validation, so a change there must be mirrored here.
 */

const error = z.object({ error: z.string(), message: z.string() });
const badRequest = z.object({
  error: z.literal('bad_request'),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
});
const idParams = z.object({ id: z.string().regex(/^\d+$/).describe('numeric id') });
const unauthorized = { 401: { description: 'missing or invalid token', schema: error } };
const forbidden = { 403: { description: 'the token lacks the role', schema: error } };

const order = z.looseObject({
  id: z.number().int(),
  sessionId: z.string(),
  customerName: z.string(),
  phone: z.string(),
  email: z.string().nullable(),
  pack: z.string(),
  price: z.string(),
  status: z.string(),
  syncedToBigin: z.boolean(),
  biginOrderId: z.string().nullable(),
  syncError: z.string().nullable(),
  createdAt: z.string(),
});

const webhookAck = z.object({
  received: z.literal(true),
  timestamp: z.string().optional(),
  duplicate: z.boolean().optional(),
});
const webhookResponses = {
  200: { description: 'a repeated delivery: stored before, nothing enqueued', schema: webhookAck },
  202: { description: 'stored in webhook_events and enqueued', schema: webhookAck },
  400: {
    description:
      'body not valid UTF-8, malformed JSON, or a payload that fails validation (each path and message)',
    schema: error,
  },
  401: { description: 'signature, token or secret path did not verify', schema: error },
  413: { description: 'body larger than BODY_LIMIT_BYTES', schema: error },
  415: {
    description: 'content type other than application/json, or a charset other than UTF-8',
    schema: error,
  },
  429: { description: 'rate limited (and, for GoHighLevel only, PostgreSQL unavailable)', schema: error },
  503: { description: 'PostgreSQL unavailable: nothing was stored, retry after Retry-After', schema: error },
};
const webhook = (provider: string, auth: string, extra: Partial<RouteDocs> = {}): RouteDocs => ({
  summary: `${provider} webhook`,
  description: `Stored in webhook_events before it is acknowledged, then enqueued with the dedupe key as job id. ${auth}`,
  tags: ['webhooks'],
  auth: 'webhook',
  body: z.looseObject({}).describe(`${provider} event payload`),
  consumes: ['application/json'],
  responses: webhookResponses,
  ...extra,
});
const beds24Body = z
  .looseObject({
    id: z.union([z.string(), z.number()]).optional(),
    bookingId: z.union([z.string(), z.number()]).optional(),
    booking: z.looseObject({ id: z.union([z.string(), z.number()]).optional() }).optional(),
    action: z.string().optional().describe('created -> CREATED, modified -> MODIFY, cancelled -> CANCEL'),
  })
  .describe('a Beds24 booking webhook: the booking id from id, booking.id or bookingId');
const siigoToken = z.object({ token: z.string().describe('the secret path token') });

export const ROUTE_DOCS: Record<string, RouteDocs> = {
  'GET /api/health': {
    summary: 'The process is alive',
    tags: ['health'],
    auth: 'public',
    responses: {
      200: { description: 'alive', schema: z.object({ status: z.literal('ok'), uptime: z.number() }) },
    },
  },
  'GET /api/ready': {
    summary: 'PostgreSQL and Redis answer',
    tags: ['health'],
    auth: 'public',
    responses: {
      200: {
        description: 'ready',
        schema: z.object({ status: z.string(), postgres: z.string(), redis: z.string() }),
      },
      503: { description: 'a dependency is down (same body)' },
    },
  },
  'GET /metrics': {
    summary: 'Prometheus metrics (text exposition format)',
    tags: ['health'],
    auth: 'public',
    produces: ['text/plain'],
  },

  'POST /api/orders': {
    summary: 'Store an order; worker-orders syncs it to Bigin',
    description:
      'An `Idempotency-Key` header makes retries safe: the same key answers 200 with `duplicate: true`.',
    tags: ['orders'],
    auth: 'apiKey',
    body: orderBody,
    headers: z.object({ 'idempotency-key': z.string().max(200).optional() }),
    responses: {
      201: { description: 'stored', schema: z.object({ id: z.number().int(), queued: z.boolean() }) },
      200: {
        description: 'the Idempotency-Key was seen before',
        schema: z.object({ id: z.number().int(), duplicate: z.literal(true), synced: z.boolean() }),
      },
      400: { description: 'invalid body', schema: badRequest },
      401: { description: 'missing or wrong X-Api-Key', schema: error },
      409: { description: 'the Idempotency-Key belongs to another order', schema: error },
    },
  },
  'GET /api/orders': {
    summary: 'List orders, newest first',
    tags: ['orders'],
    auth: 'viewer',
    querystring: z.object({
      synced: z.enum(['true', 'false']).optional(),
      with_error: z.enum(['true', 'false']).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
      offset: z.coerce.number().int().min(0).default(0),
    }),
    responses: {
      200: {
        description: 'a page of orders',
        schema: z.object({ total: z.number().int(), count: z.number().int(), orders: z.array(order) }),
      },
      400: { description: 'invalid query', schema: badRequest },
      ...unauthorized,
    },
  },
  'GET /api/orders/:id': {
    summary: 'One order with its actions log',
    tags: ['orders'],
    auth: 'viewer',
    params: idParams,
    responses: {
      200: { description: 'the order', schema: z.object({ order, actions: z.array(z.looseObject({})) }) },
      404: { description: 'no such order', schema: error },
      ...unauthorized,
    },
  },
  'GET /api/actions': {
    summary: 'Latest Bigin sync actions',
    tags: ['orders'],
    auth: 'viewer',
    querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(20) }),
    responses: { 200: { description: 'actions, newest first' }, ...unauthorized },
  },
  'POST /api/orders/retry-failed': {
    summary: 'Re-enqueue every order not yet synced to Bigin',
    tags: ['orders'],
    auth: 'admin',
    responses: {
      202: {
        description: 'queued',
        schema: z.object({ queued: z.number().int(), orderIds: z.array(z.number().int()) }),
      },
      503: { description: 'Redis unavailable part way (the body says how many were queued)' },
      ...unauthorized,
      ...forbidden,
    },
  },
  'POST /api/orders/:id/retry': {
    summary: 'Re-enqueue one unsynced order',
    tags: ['orders'],
    auth: 'admin',
    params: idParams,
    responses: {
      202: { description: 'queued', schema: z.object({ queued: z.literal(true), id: z.number().int() }) },
      404: { description: 'no such order', schema: error },
      409: { description: 'already synced', schema: error },
      503: { description: 'Redis unavailable', schema: error },
      ...unauthorized,
      ...forbidden,
    },
  },

  'GET /api/stock/events': {
    summary: 'Live stock changes (Server-Sent Events)',
    description: '`Last-Event-ID` (or `?lastEventId=`) replays the events missed since that id.',
    tags: ['stock'],
    auth: 'viewer',
    querystring: z.object({ lastEventId: z.string().optional() }),
    produces: ['text/event-stream'],
  },
  'GET /api/stock/stats': {
    summary: 'Products, SIIGO webhook counts and sync state',
    tags: ['stock'],
    auth: 'viewer',
    responses: { 200: { description: 'stats' }, ...unauthorized },
  },
  'POST /api/stock/sync': {
    summary: 'Run the SIIGO stock sync now',
    tags: ['stock'],
    auth: 'admin',
    responses: {
      202: { description: 'queued', schema: z.object({ queued: z.literal(true), jobId: z.string() }) },
      ...unauthorized,
      ...forbidden,
    },
  },
  'POST /api/webhooks/setup': {
    summary: 'Subscribe the SIIGO stock topics (idempotent)',
    tags: ['stock'],
    auth: 'admin',
    responses: {
      200: { description: 'subscriptions found or created' },
      409: { description: 'another setup is running', schema: error },
      502: { description: 'SIIGO refused', schema: error },
      503: { description: 'SIIGO or WEBHOOK_BASE_URL not configured', schema: error },
      ...unauthorized,
      ...forbidden,
    },
  },
  'GET /api/webhooks/subscriptions': {
    summary: 'SIIGO webhook subscriptions Cauce created',
    description:
      "The URLs' path token (and the configured company key) are masked; `?reveal=true` shows them as stored, to admins only.",
    tags: ['stock'],
    auth: 'viewer',
    querystring: z.object({
      reveal: z.enum(['true', 'false']).optional().describe('admins only: show the URLs as stored'),
    }),
    responses: {
      200: { description: 'subscriptions' },
      400: { description: 'reveal is not true or false', schema: error },
      ...unauthorized,
      403: { description: 'reveal=true needs the admin role', schema: error },
    },
  },
  'GET /api/webhooks/logs': {
    summary: 'Latest SIIGO webhook events (see /api/admin/webhooks/logs for every provider)',
    tags: ['stock'],
    auth: 'viewer',
    querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
    responses: { 200: { description: 'events, newest first' }, ...unauthorized },
  },
  'POST /api/webhooks/test': {
    summary: 'A synthetic SIIGO stock.update through the real path',
    tags: ['stock'],
    auth: 'admin',
    body: z.object({
      product_id: z.union([z.string().min(1), z.number().int().positive()]),
      new_stock: z.number(),
    }),
    responses: {
      202: { description: 'stored and queued' },
      400: { description: 'invalid body' },
      404: { description: 'no such product', schema: error },
      ...unauthorized,
      ...forbidden,
    },
  },

  'POST /api/webhooks/beds24': webhook(
    'Beds24',
    '`Authorization: Bearer <BEDS24_WEBHOOK_TOKEN>` when configured.',
    {
      body: beds24Body,
    },
  ),
  'POST /api/webhooks/siigo': webhook(
    'SIIGO',
    'Unsigned: use the secret-path form when a token is configured.',
  ),
  'POST /api/webhooks/siigo/:token': webhook('SIIGO', 'The path token is the shared secret.', {
    params: siigoToken,
  }),
  'POST /api/webhooks/receive': webhook(
    'SIIGO',
    'Alias of /api/webhooks/siigo kept for existing subscriptions.',
  ),
  'POST /api/webhooks/stripe': webhook(
    'Stripe',
    'Verified with the `Stripe-Signature` header (5-minute tolerance).',
    {
      headers: z.object({ 'stripe-signature': z.string() }),
    },
  ),
  'POST /api/webhooks/paypal': webhook(
    'PayPal',
    'Verified with the PAYPAL-TRANSMISSION-* headers and the certificate.',
    {
      headers: z.object({
        'paypal-transmission-id': z.string(),
        'paypal-transmission-time': z.string(),
        'paypal-transmission-sig': z.string(),
        'paypal-cert-url': z.string(),
        'paypal-auth-algo': z.string(),
      }),
    },
  ),
  'POST /api/webhooks/ghl': webhook(
    'GoHighLevel',
    'Verified with `X-GHL-Signature` (Ed25519) or the legacy `X-WH-Signature` (RSA).',
  ),
  'POST /api/webhooks/manychat': webhook(
    'ManyChat',
    'Unsigned: authenticated with a shared secret header or path token.',
  ),
};
