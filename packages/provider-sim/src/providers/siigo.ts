import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sendWebhook } from '../send.ts';
import type { SimContext, SimProvider } from '../server.ts';

/**
 * Fake SIIGO API (Siigo Nube Colombia) under /siigo: POST /auth, products with SIIGO's page
 * envelope, webhook subscriptions. Enforces Partner-Id (no hyphens) and expiring Bearer tokens.
 * Control routes live under /__sim/siigo (outside fault injection and call counting).
 */
export const SIIGO_SIM_CREDENTIALS = { username: 'api@cauce.test', accessKey: 'sim-access-key' };
export const SIIGO_SIM_COMPANY_KEY = 'CauceSimCompany';

interface SimWarehouse {
  id: number;
  name: string;
  quantity: number;
}

interface SimProduct {
  id: string;
  code: string;
  name: string;
  type: string;
  stock_control: boolean;
  active: boolean;
  available_quantity: number;
  warehouses: SimWarehouse[];
  account_group: { id: number; name: string };
  unit: { code: string; name: string };
  prices: Array<{
    currency_code: string;
    price_list: Array<{ position: number; name: string; value: number }>;
  }>;
  metadata: { created: string; last_updated: string; stock_updated: string | null };
}

interface SimSubscription {
  id: string;
  application_id: string;
  url: string;
  topic: string;
  company_key: string;
  active: boolean;
  created_at: string;
}

interface SiigoState {
  /** In creation order; the list endpoint answers newest-created first, as SIIGO does. */
  products: SimProduct[];
  byId: Map<string, SimProduct>;
  tokens: Map<string, number>;
  tokenTtlSeconds: number;
  /** After this many more authenticated requests every issued token expires (null: never). */
  expireAfterRequests: number | null;
  subscriptions: SimSubscription[];
  seq: number;
}

const WAREHOUSES = [
  { id: 1, name: 'Bodega Principal' },
  { id: 2, name: 'Bodega Medellín' },
  { id: 3, name: 'Almacén Cali – Sur' },
];
const NOUNS = ['Café', 'Jabón', 'Azúcar', 'Panela', 'Té', 'Ají', 'Bocadillo', 'Champú', 'Piña', 'Arequipe'];
const TRAITS = ['orgánico', 'artesanal', 'de coco', 'tostado', 'suave', 'con ñame', 'añejo', 'exprés'];
const SIZES = ['250 g', '500 g', '1 kg', '12 uds', '1 L'];

const error = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.code(status).send({ Status: status, Errors: [{ Code: code, Message: message }] });

function makeProduct(state: SiigoState, input: Partial<SimProduct> & { warehouseCount?: number } = {}) {
  const n = ++state.seq;
  const warehouses =
    input.warehouses ??
    WAREHOUSES.slice(0, input.warehouseCount ?? 1 + (n % 3)).map((w, i) => ({
      ...w,
      quantity: (n * 7 + i * 13) % 90,
    }));
  const now = new Date().toISOString();
  const p: SimProduct = {
    id: input.id ?? randomUUID(),
    code: input.code ?? `SKU${String(n).padStart(5, '0')}`,
    name:
      input.name ??
      `${NOUNS[n % NOUNS.length]} ${TRAITS[n % TRAITS.length]} ${SIZES[n % SIZES.length]} nº${n}`,
    type: 'Product',
    stock_control: true,
    active: input.active ?? true,
    available_quantity: warehouses.reduce((a, w) => a + w.quantity, 0),
    warehouses,
    account_group: { id: 1253, name: 'Productos' },
    unit: { code: '94', name: 'Unidad' },
    prices: [
      { currency_code: 'COP', price_list: [{ position: 1, name: 'Precio de venta 1', value: 1000 * n }] },
    ],
    metadata: { created: now, last_updated: now, stock_updated: null },
  };
  state.products.push(p);
  state.byId.set(p.id, p);
  return p;
}

function initialState(): SiigoState {
  return {
    products: [],
    byId: new Map(),
    tokens: new Map(),
    tokenTtlSeconds: 86_400,
    expireAfterRequests: null,
    subscriptions: [],
    seq: 0,
  };
}

/** What SIIGO sends to a subscriber: the product plus company_key, username and topic. */
function webhookPayload(p: SimProduct, topic: string) {
  return { company_key: SIIGO_SIM_COMPANY_KEY, username: SIIGO_SIM_CREDENTIALS.username, topic, ...p };
}

const seedBody = z.object({
  count: z.number().int().min(0).max(100_000).default(0),
  products: z
    .array(
      z.object({
        id: z.string().optional(),
        code: z.string().optional(),
        name: z.string().optional(),
        active: z.boolean().optional(),
        warehouses: z.array(z.object({ id: z.number(), name: z.string(), quantity: z.number() })).optional(),
      }),
    )
    .default([]),
});
const stockBody = z.object({
  quantity: z.number(),
  /** Warehouse to set; defaults to the first one. The total is recomputed. */
  warehouseId: z.number().optional(),
  /** Also deliver public.siigoapi.products.stock.update to matching subscriptions. */
  notify: z.boolean().default(false),
});
const emitBody = z.object({
  url: z.url(),
  productId: z.string(),
  topic: z.string().default('public.siigoapi.products.stock.update'),
});
const subscribeBody = z.object({ application_id: z.string().min(1), topic: z.string().min(1), url: z.url() });
const listQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).default(25),
});

const siigo: SimProvider = (app, ctx: SimContext) => {
  const state = initialState();
  ctx.state.siigo = state;
  ctx.resetters.push(() => Object.assign(state, initialState()));

  const partnerCheck = (req: FastifyRequest, reply: FastifyReply) => {
    const partner = req.headers['partner-id'];
    if (typeof partner !== 'string' || partner === '')
      return error(reply, 400, 'header_required', 'The Partner-Id header is required');
    if (!/^[A-Za-z0-9]{3,100}$/.test(partner))
      return error(reply, 400, 'invalid_partner_id', 'Partner-Id: 3 to 100 alphanumeric characters');
    return undefined;
  };

  const authCheck = async (req: FastifyRequest, reply: FastifyReply) => {
    const bad = partnerCheck(req, reply);
    if (bad) return bad;
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const exp = m ? state.tokens.get(m[1]!) : undefined;
    if (!exp || exp <= Date.now()) return error(reply, 401, 'unauthorized', 'invalid or expired token');
    if (state.expireAfterRequests !== null && --state.expireAfterRequests <= 0) {
      state.tokens.clear();
      state.expireAfterRequests = null;
    }
  };

  app.post('/siigo/auth', async (req, reply) => {
    const bad = partnerCheck(req, reply);
    if (bad) return bad;
    const body = (req.body ?? {}) as { username?: string; access_key?: string };
    if (
      body.username !== SIIGO_SIM_CREDENTIALS.username ||
      body.access_key !== SIIGO_SIM_CREDENTIALS.accessKey
    )
      return error(reply, 401, 'unauthorized', 'invalid username or access_key');
    const token = `sim.${randomBytes(24).toString('base64url')}`;
    state.tokens.set(token, Date.now() + state.tokenTtlSeconds * 1000);
    return {
      access_token: token,
      expires_in: state.tokenTtlSeconds,
      token_type: 'Bearer',
      scope: 'SiigoAPI',
    };
  });

  app.get('/siigo/v1/products', { preHandler: authCheck }, async (req, reply) => {
    const q = listQuery.parse(req.query);
    if (q.page_size > 100) return error(reply, 400, 'invalid_parameter', 'page_size must be at most 100');
    const total = state.products.length;
    const from = (q.page - 1) * q.page_size;
    const results: SimProduct[] = [];
    for (let i = total - 1 - from; i >= 0 && results.length < q.page_size; i--)
      results.push(state.products[i]!);
    const base = `/siigo/v1/products?page_size=${q.page_size}&page=`;
    return {
      pagination: { page: q.page, page_size: q.page_size, total_results: total },
      results,
      _links: {
        self: { href: `${base}${q.page}` },
        ...(q.page > 1 ? { previous: { href: `${base}${q.page - 1}` } } : {}),
        ...(from + q.page_size < total ? { next: { href: `${base}${q.page + 1}` } } : {}),
      },
    };
  });

  app.get('/siigo/v1/products/:id', { preHandler: authCheck }, async (req, reply) => {
    const p = state.byId.get((req.params as { id: string }).id);
    return p ?? error(reply, 404, 'not_found', 'product not found');
  });

  app.get('/siigo/v1/webhooks', { preHandler: authCheck }, async () => state.subscriptions);

  app.post('/siigo/v1/webhooks', { preHandler: authCheck }, async (req) => {
    const body = subscribeBody.parse(req.body);
    // Like the real API as far as anyone knows: a second identical request subscribes again.
    const sub: SimSubscription = {
      id: randomUUID(),
      ...body,
      company_key: SIIGO_SIM_COMPANY_KEY,
      active: true,
      created_at: new Date().toISOString(),
    };
    state.subscriptions.push(sub);
    return sub;
  });

  app.delete('/siigo/v1/webhooks/:id', { preHandler: authCheck }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const i = state.subscriptions.findIndex((s) => s.id === id);
    if (i < 0) return error(reply, 404, 'not_found', 'subscription not found');
    state.subscriptions.splice(i, 1);
    return { id, deleted: true };
  });

  // ---- control routes (tests, benchmarks, demo) ----

  app.post('/__sim/siigo/products', async (req) => {
    const body = seedBody.parse(req.body ?? {});
    const created = body.products.map((p) => makeProduct(state, p));
    for (let i = 0; i < body.count; i++) created.push(makeProduct(state));
    return { created: created.length, total: state.products.length, products: created };
  });

  app.get('/__sim/siigo/products', async () => ({ products: state.products }));

  app.post('/__sim/siigo/products/:id/stock', async (req, reply) => {
    const p = state.byId.get((req.params as { id: string }).id);
    if (!p) return reply.code(404).send({ error: 'no such product' });
    const body = stockBody.parse(req.body);
    const w =
      body.warehouseId === undefined ? p.warehouses[0] : p.warehouses.find((x) => x.id === body.warehouseId);
    if (w) w.quantity = body.quantity;
    else
      p.warehouses.push({
        id: body.warehouseId ?? 1,
        name: `Bodega ${body.warehouseId ?? 1}`,
        quantity: body.quantity,
      });
    p.available_quantity = p.warehouses.reduce((a, x) => a + x.quantity, 0);
    const now = new Date().toISOString();
    p.metadata.last_updated = now;
    p.metadata.stock_updated = now;
    const topic = 'public.siigoapi.products.stock.update';
    const deliveries = body.notify
      ? await Promise.all(
          state.subscriptions
            .filter((s) => s.topic === topic)
            .map((s) => sendWebhook(s.url, webhookPayload(p, topic))),
        )
      : [];
    return { product: p, deliveries };
  });

  app.post('/__sim/siigo/products/:id', async (req, reply) => {
    const p = state.byId.get((req.params as { id: string }).id);
    if (!p) return reply.code(404).send({ error: 'no such product' });
    const body = z
      .object({
        name: z.string().optional(),
        active: z.boolean().optional(),
        /** Raw fields merged into the product as they are (to serve malformed data on purpose). */
        patch: z.record(z.string(), z.unknown()).optional(),
      })
      .parse(req.body);
    if (body.name !== undefined) p.name = body.name;
    if (body.active !== undefined) p.active = body.active;
    if (body.patch) Object.assign(p, body.patch);
    p.metadata.last_updated = new Date().toISOString();
    return { product: p };
  });

  /** The body a webhook for this product would carry (for senders that retry identical bytes). */
  app.get('/__sim/siigo/webhooks/body/:id', async (req, reply) => {
    const p = state.byId.get((req.params as { id: string }).id);
    if (!p) return reply.code(404).send({ error: 'no such product' });
    const { topic } = z.object({ topic: emitBody.shape.topic }).parse(req.query ?? {});
    return webhookPayload(p, topic);
  });

  app.post('/__sim/siigo/webhooks/emit', async (req, reply) => {
    const body = emitBody.parse(req.body);
    const p = state.byId.get(body.productId);
    if (!p) return reply.code(404).send({ error: 'no such product' });
    return sendWebhook(body.url, webhookPayload(p, body.topic));
  });

  /** Expire every issued token now, or after `afterRequests` more authenticated requests. */
  app.post('/__sim/siigo/tokens/expire', async (req) => {
    const body = z.object({ afterRequests: z.number().int().min(1).optional() }).parse(req.body ?? {});
    if (body.afterRequests) state.expireAfterRequests = body.afterRequests;
    else state.tokens.clear();
    return { expired: !body.afterRequests, afterRequests: body.afterRequests ?? null };
  });

  app.put('/__sim/siigo/config', async (req) => {
    const body = z.object({ tokenTtlSeconds: z.number().int().min(1).optional() }).parse(req.body ?? {});
    if (body.tokenTtlSeconds) state.tokenTtlSeconds = body.tokenTtlSeconds;
    return { tokenTtlSeconds: state.tokenTtlSeconds };
  });

  app.get('/__sim/siigo/state', async () => ({
    products: state.products.length,
    liveTokens: state.tokens.size,
    subscriptions: state.subscriptions,
  }));
};

export default siigo;
