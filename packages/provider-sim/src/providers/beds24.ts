import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sendWebhook } from '../send.ts';
import type { SimContext, SimProvider } from '../server.ts';

/**
 * Fake Beds24 API V2 under /beds24/v2: token exchange, GET /bookings (by id and as a paged list,
 * 100 per page, Beds24's envelope and its gotchas: cancelled left out unless asked for, only upcoming
 * bookings without filters), GET /bookings/messages, credit headers, 401 for a bad/expired token.
 * Control routes under /__sim/beds24 create/modify/cancel bookings (bumping modifiedTime) and
 * send webhooks to an ingress.
 */
export const BEDS24_SIM_CREDENTIALS = {
  refreshToken: 'sim-refresh-token',
  longLifeToken: 'sim-long-life-token',
};
const STATUSES = ['confirmed', 'request', 'new', 'cancelled', 'black', 'inquiry'] as const;
const PAGE_SIZE = 100;

interface SimBooking extends Record<string, unknown> {
  id: number;
  status: string;
  arrival: string;
  departure: string;
  modifiedTime: string;
}

interface Beds24State {
  bookings: Map<number, SimBooking>;
  invoiceItems: Map<number, Array<Record<string, unknown>>>;
  infoItems: Map<number, Array<Record<string, unknown>>>;
  messages: Map<number, Array<Record<string, unknown>>>;
  tokens: Map<string, number>;
  seq: number;
  itemSeq: number;
  lastModified: number;
  config: {
    tokenTtlSeconds: number;
    creditLimit: number;
    /** The credit window (Beds24: 5 minutes); small in tests and benches. */
    creditWindowMs: number;
    headerStyle: 'spec' | 'live';
    requestCost: number;
  };
  creditsUsed: number;
  windowStart: number;
}

const FIRST = [
  'María José',
  'Andrés',
  'Zoë',
  'Łukasz',
  'Søren',
  'Camila',
  'Jürgen',
  'Yuki',
  'François',
  'Ñusta',
];
const LAST = [
  'Pérez Gómez',
  'Muñoz',
  "O'Brien",
  'Øster',
  'Smith',
  'Núñez',
  'Müller',
  '山田',
  'Dubois',
  'Quispe',
];
const PHONES = [
  '3001234567',
  '+57 310 555 0101',
  '+44 7700 900123',
  '',
  '0034 612 345 678',
  '+1 (415) 555-2671',
];
const CHANNELS = ['booking', 'airbnb', 'expedia', 'direct', null];

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

function initialState(): Beds24State {
  return {
    bookings: new Map(),
    invoiceItems: new Map(),
    infoItems: new Map(),
    messages: new Map(),
    tokens: new Map(),
    seq: 70_000_000,
    itemSeq: 1,
    lastModified: 0,
    config: {
      tokenTtlSeconds: 86_400,
      creditLimit: 1_000_000,
      creditWindowMs: 300_000,
      headerStyle: 'spec',
      requestCost: 1.6,
    },
    creditsUsed: 0,
    windowStart: Date.now(),
  };
}

/** Strictly increasing modifiedTime (whole seconds, as Beds24 reports), even within one second. */
function nextModified(state: Beds24State): string {
  const t = Math.max(Math.floor(Date.now() / 1000) * 1000, state.lastModified + 1000);
  state.lastModified = t;
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

const bookingInput = z.looseObject({
  /** A fixed id (e.g. the stack's first-steps booking); by default the next of the sequence. */
  id: z.number().int().positive().optional(),
  propertyId: z.number().int().optional(),
  roomId: z.number().int().optional(),
  status: z.enum(STATUSES).optional(),
  arrival: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  departure: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  firstName: z.string().nullable().optional(),
  lastName: z.string().nullable().optional(),
  phone: z.string().nullable().optional(),
  price: z.number().optional(),
  /** Extra invoice items to add: [{type, description, qty, amount}]. */
  invoiceItems: z.array(z.looseObject({ type: z.enum(['charge', 'payment']) })).optional(),
  message: z.string().optional(),
});

function createBooking(state: Beds24State, input: z.infer<typeof bookingInput> = {}): SimBooking {
  const n = input.id ?? ++state.seq;
  const i = n % 10;
  const offset = (n % 60) - 10;
  const arrival = input.arrival ?? day(offset);
  const departure = input.departure ?? day(offset + 1 + (n % 6));
  const modified = nextModified(state);
  const { invoiceItems, message, ...fields } = input;
  const price = input.price ?? 120_000 + (n % 7) * 35_000;
  const b: SimBooking = {
    id: n,
    propertyId: 200_100 + (n % 3),
    roomId: 400_000 + (n % 12),
    unitId: 1,
    roomQty: 1,
    masterId: null,
    bookingGroup: null,
    status: 'new',
    subStatus: 'none',
    arrival,
    departure,
    numAdult: 1 + (n % 3),
    numChild: n % 2,
    title: '',
    firstName: FIRST[i],
    lastName: LAST[(i + 3) % 10],
    email: `guest${n}@example.com`,
    phone: PHONES[n % PHONES.length],
    mobile: '',
    country2: n % 4 === 0 ? 'ES' : 'CO',
    notes: n % 5 === 0 ? 'Llegada tarde – después de las 22:00' : '',
    price,
    deposit: 0,
    tax: 0,
    commission: 0,
    channel: CHANNELS[n % CHANNELS.length],
    apiSource: 'Booking.com',
    apiReference: `BDC-${n}`,
    bookingTime: modified,
    modifiedTime: modified,
    cancelTime: null,
    ...fields,
  };
  state.bookings.set(n, b);
  const items: Array<Record<string, unknown>> = [];
  if (price > 0)
    items.push(
      item(state, n, { type: 'charge', subType: 1, description: 'Habitación', qty: 1, amount: price }),
    );
  if (n % 2 === 0 && price > 0)
    items.push(
      item(state, n, { type: 'payment', subType: 203, description: 'Stripe', qty: 1, amount: price / 2 }),
    );
  for (const extra of invoiceItems ?? []) items.push(item(state, n, extra));
  state.invoiceItems.set(n, items);
  state.infoItems.set(n, [
    { id: state.itemSeq++, bookingId: n, code: 'SOURCE', text: 'sim', createTime: modified },
  ]);
  state.messages.set(n, message ? [msg(state, b, message)] : []);
  return b;
}

function item(state: Beds24State, bookingId: number, x: Record<string, unknown>) {
  const qty = Number(x.qty ?? 1);
  const amount = Number(x.amount ?? 0);
  return {
    id: state.itemSeq++,
    bookingId,
    invoiceId: null,
    invoiceeId: 0,
    description: '',
    status: '',
    vatRate: 0,
    createdBy: 0,
    createTime: new Date().toISOString(),
    ...x,
    qty,
    amount,
    lineTotal: qty * amount,
  };
}

function msg(state: Beds24State, b: SimBooking, text: string) {
  return {
    id: state.itemSeq++,
    bookingId: b.id,
    roomId: b.roomId,
    propertyId: b.propertyId,
    time: new Date().toISOString(),
    read: false,
    message: text,
    source: 'guest',
  };
}

/** Values of a query parameter given as repeated keys, `key[]`, or comma-separated. */
function list(q: Record<string, unknown>, name: string): string[] {
  const raw = [q[name], q[`${name}[]`]].flat().filter((v) => v !== undefined && v !== null);
  return raw
    .flatMap((v) => String(v).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

const isTrue = (v: unknown) => v === 'true' || v === '1' || v === true;

const legacyAction = z.enum(['created', 'modified', 'cancelled']);
const emitBody = z.object({
  bookingId: z.coerce.number().int(),
  /**
   * Beds24 sends no `action`; given, the body carries one, as Cauce's legacy shape did (tests of
   * that shape only). The real body says what happened through the booking itself.
   */
  action: legacyAction.optional(),
  /** Beds24's delivery counter: a redelivery of the same event carries a higher one. */
  retries: z.coerce.number().int().min(0).default(0),
  target: z.url(),
  /** Sent as `Authorization: Bearer <token>` (Beds24 lets you configure a custom header). */
  token: z.string().optional(),
  headers: z.record(z.string(), z.string()).default({}),
});

/**
 * A V2 booking webhook body as Beds24 sends it: `{timeStamp, booking, infoItems, invoiceItems,
 * messages, retries}`, items beside the booking, no `action` (unless a legacy one is asked for).
 */
function webhookBody(
  state: Beds24State,
  b: SimBooking,
  opts: { action?: z.infer<typeof legacyAction>; retries?: number } = {},
) {
  return {
    timeStamp: new Date().toISOString().slice(0, 19),
    ...(opts.action ? { action: opts.action } : {}),
    booking: b,
    infoItems: state.infoItems.get(b.id) ?? [],
    invoiceItems: state.invoiceItems.get(b.id) ?? [],
    messages: state.messages.get(b.id) ?? [],
    retries: opts.retries ?? 0,
  };
}

const beds24: SimProvider = (app, ctx: SimContext) => {
  const state = initialState();
  ctx.state.beds24 = state;
  // The enforcer's `beds24` pool (SIM_LIMITS, PUT /__sim/limits) sets the credit budget.
  let pool: { limit: number; windowMs: number } | null = null;
  const applyPool = () => {
    if (!pool) return;
    state.config.creditLimit = pool.limit;
    state.config.creditWindowMs = pool.windowMs;
  };
  ctx.limits.onCreditPool('beds24', (rule) => {
    const defaults = initialState().config;
    if (!rule && pool) {
      state.config.creditLimit = defaults.creditLimit;
      state.config.creditWindowMs = defaults.creditWindowMs;
    }
    pool = rule ? { limit: rule.limit, windowMs: rule.windowMs } : null;
    applyPool();
  });
  ctx.resetters.push(() => {
    Object.assign(state, initialState());
    applyPool();
  });

  /** Credit accounting for the 5-minute window, and the headers Beds24 answers with. */
  const charge = (reply: FastifyReply) => {
    const now = Date.now();
    const windowMs = state.config.creditWindowMs;
    if (now - state.windowStart > windowMs) {
      state.windowStart = now;
      state.creditsUsed = 0;
    }
    const cost = state.config.requestCost;
    const exhausted = state.creditsUsed + cost > state.config.creditLimit + 1e-9;
    if (!exhausted) state.creditsUsed += cost;
    ctx.limits.recordCredits('beds24', exhausted ? null : cost, state.creditsUsed, now);
    const remaining = Math.max(0, state.config.creditLimit - state.creditsUsed);
    const resetsIn = Math.ceil((state.windowStart + windowMs - now) / 1000);
    const h =
      state.config.headerStyle === 'spec'
        ? [
            'X-FiveMinCreditLimit',
            'X-FiveMinCreditLimit-Remaining',
            'X-FiveMinCreditLimit-ResetsIn',
            'X-RequestCost',
          ]
        : ['x-five-min-limit', 'x-five-min-limit-remaining', 'x-five-min-limit-resets-in', 'x-request-cost'];
    reply.header(h[0]!, String(state.config.creditLimit));
    reply.header(h[1]!, remaining.toFixed(2));
    reply.header(h[2]!, String(resetsIn));
    reply.header(h[3]!, cost.toFixed(2));
    if (exhausted) {
      reply.header('retry-after', String(resetsIn));
      reply.code(429).send({ success: false, type: 'error', code: 429, error: 'Credit limit exceeded' });
      return false;
    }
    return true;
  };

  const auth = (req: FastifyRequest, reply: FastifyReply) => {
    const token = req.headers.token;
    if (typeof token === 'string' && token === BEDS24_SIM_CREDENTIALS.longLifeToken) return true;
    const exp = typeof token === 'string' ? state.tokens.get(token) : undefined;
    if (!exp || exp <= Date.now()) {
      reply
        .code(401)
        .send({ success: false, type: 'error', code: 401, error: 'Token is missing or invalid' });
      return false;
    }
    return true;
  };

  const withItems = (b: SimBooking, q: Record<string, unknown>) => ({
    ...b,
    ...(isTrue(q.includeInvoiceItems) ? { invoiceItems: state.invoiceItems.get(b.id) ?? [] } : {}),
    ...(isTrue(q.includeInfoItems) ? { infoItems: state.infoItems.get(b.id) ?? [] } : {}),
  });

  const envelope = (all: unknown[], page: number, path: string, q: Record<string, unknown>) => {
    const start = (page - 1) * PAGE_SIZE;
    const data = all.slice(start, start + PAGE_SIZE);
    const next = start + PAGE_SIZE < all.length;
    const link = next
      ? `${path}?${new URLSearchParams({ ...(q as Record<string, string>), page: String(page + 1) })}`
      : null;
    return {
      success: true,
      type: path.includes('messages') ? 'message' : 'booking',
      count: data.length,
      pages: { nextPageExists: next, nextPageLink: link },
      data,
    };
  };

  app.get('/beds24/v2/authentication/token', async (req, reply) => {
    if (req.headers.refreshtoken !== BEDS24_SIM_CREDENTIALS.refreshToken)
      return reply
        .code(401)
        .send({ success: false, type: 'error', code: 401, error: 'Invalid refresh token' });
    if (!charge(reply)) return reply;
    const token = randomBytes(24).toString('base64url');
    state.tokens.set(token, Date.now() + state.config.tokenTtlSeconds * 1000);
    return { token, expiresIn: state.config.tokenTtlSeconds };
  });

  app.get('/beds24/v2/bookings', async (req, reply) => {
    if (!auth(req, reply)) return reply;
    if (!charge(reply)) return reply;
    const q = req.query as Record<string, unknown>;
    const ids = new Set(list(q, 'id').map(Number));
    const statuses = list(q, 'status');
    const allowed = new Set(statuses.length ? statuses : STATUSES.filter((s) => s !== 'cancelled'));
    const props = new Set(list(q, 'propertyId').map(Number));
    const s = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : undefined);
    const dateFilters = [
      'arrival',
      'arrivalFrom',
      'arrivalTo',
      'departureFrom',
      'departureTo',
      'modifiedFrom',
      'modifiedTo',
    ];
    const filtered = ids.size > 0 || props.size > 0 || dateFilters.some((k) => s(k));
    const today = day(0);
    // By id: a direct lookup (the worker's hot path); otherwise a scan of every booking.
    const candidates = ids.size
      ? [...ids].map((id) => state.bookings.get(id)).filter((b): b is SimBooking => !!b)
      : [...state.bookings.values()];
    const rows = candidates.filter((b) => {
      if (ids.size && !ids.has(b.id)) return false;
      if (props.size && !props.has(Number(b.propertyId))) return false;
      if (!allowed.has(b.status)) return false;
      // Beds24's gotcha: no filters means upcoming bookings only.
      if (!filtered && b.departure < today) return false;
      if (s('arrival') && b.arrival !== s('arrival')) return false;
      if (s('arrivalFrom') && b.arrival < s('arrivalFrom')!) return false;
      if (s('arrivalTo') && b.arrival > s('arrivalTo')!) return false;
      if (s('departureFrom') && b.departure < s('departureFrom')!) return false;
      if (s('departureTo') && b.departure > s('departureTo')!) return false;
      const mod = Date.parse(b.modifiedTime);
      if (s('modifiedFrom') && mod < Date.parse(`${s('modifiedFrom')}Z`.replace('ZZ', 'Z'))) return false;
      if (s('modifiedTo') && mod > Date.parse(`${s('modifiedTo')}Z`.replace('ZZ', 'Z'))) return false;
      return true;
    });
    rows.sort((a, b) => a.id - b.id);
    const page = Math.max(1, Number(q.page ?? 1) || 1);
    return envelope(
      rows.map((b) => withItems(b, q)),
      page,
      '/beds24/v2/bookings',
      q,
    );
  });

  app.get('/beds24/v2/bookings/messages', async (req, reply) => {
    if (!auth(req, reply)) return reply;
    if (!charge(reply)) return reply;
    const q = req.query as Record<string, unknown>;
    const ids = list(q, 'bookingId').map(Number);
    const all = ids.flatMap((id) => state.messages.get(id) ?? []);
    const page = Math.max(1, Number(q.page ?? 1) || 1);
    return envelope(all, page, '/beds24/v2/bookings/messages', q);
  });

  // ---- control (outside faults and call counting) ----
  app.post('/__sim/beds24/config', async (req) => {
    const c = z
      .object({
        tokenTtlSeconds: z.number().int().min(1).optional(),
        creditLimit: z.number().min(0).optional(),
        creditWindowMs: z.number().int().min(1).optional(),
        headerStyle: z.enum(['spec', 'live']).optional(),
        requestCost: z.number().min(0).optional(),
        /** Expire every issued access token now (the next call gets 401). */
        expireTokens: z.boolean().optional(),
        resetCredits: z.boolean().optional(),
        /** Spend every credit now, in a 5-minute window that resets in this many seconds. */
        exhaustCreditsForSeconds: z.number().min(1).max(300).optional(),
      })
      .parse(req.body ?? {});
    const { expireTokens, resetCredits, exhaustCreditsForSeconds, ...rest } = c;
    Object.assign(state.config, rest);
    if (expireTokens) for (const k of state.tokens.keys()) state.tokens.set(k, 0);
    if (resetCredits) state.creditsUsed = 0;
    if (exhaustCreditsForSeconds) {
      state.windowStart = Date.now() + exhaustCreditsForSeconds * 1000 - state.config.creditWindowMs;
      state.creditsUsed = state.config.creditLimit;
    }
    return { config: state.config, creditsUsed: state.creditsUsed };
  });

  app.post('/__sim/beds24/seed', async (req) => {
    const { count } = z.object({ count: z.number().int().min(0).max(100_000) }).parse(req.body);
    const ids: number[] = [];
    for (let k = 0; k < count; k++) ids.push(createBooking(state, {}).id);
    return { created: count, firstId: ids[0] ?? null, lastId: ids.at(-1) ?? null };
  });

  app.post('/__sim/beds24/bookings', async (req) => createBooking(state, bookingInput.parse(req.body ?? {})));

  app.get('/__sim/beds24/bookings/:id', async (req, reply) => {
    const b = state.bookings.get(Number((req.params as { id: string }).id));
    if (!b) return reply.code(404).send({ error: 'not found' });
    return { ...b, invoiceItems: state.invoiceItems.get(b.id), messages: state.messages.get(b.id) };
  });

  /** Modify: any booking fields; invoiceItems are appended; message adds a guest message. */
  app.patch('/__sim/beds24/bookings/:id', async (req, reply) => {
    const b = state.bookings.get(Number((req.params as { id: string }).id));
    if (!b) return reply.code(404).send({ error: 'not found' });
    const { invoiceItems, message, ...fields } = bookingInput.parse(req.body ?? {});
    Object.assign(b, fields, { modifiedTime: nextModified(state) });
    for (const x of invoiceItems ?? []) state.invoiceItems.get(b.id)?.push(item(state, b.id, x));
    if (message) state.messages.get(b.id)?.push(msg(state, b, message));
    return b;
  });

  app.post('/__sim/beds24/bookings/:id/cancel', async (req, reply) => {
    const b = state.bookings.get(Number((req.params as { id: string }).id));
    if (!b) return reply.code(404).send({ error: 'not found' });
    const t = nextModified(state);
    Object.assign(b, { status: 'cancelled', subStatus: 'cancelledByGuest', modifiedTime: t, cancelTime: t });
    return b;
  });

  /**
   * The body the next webhook for a booking would carry, for senders that deliver it themselves
   * and must retry with the identical bytes (the soak benchmark).
   */
  app.get('/__sim/beds24/webhook-body/:id', async (req, reply) => {
    const b = state.bookings.get(Number((req.params as { id: string }).id));
    if (!b) return reply.code(404).send({ error: 'not found' });
    const q = z
      .object({ action: emitBody.shape.action, retries: emitBody.shape.retries })
      .parse(req.query ?? {});
    return webhookBody(state, b, q);
  });

  /** Sends a booking webhook (V2 body: booking with items beside it) to `target`, as Beds24 would. */
  app.post('/__sim/beds24/emit', async (req, reply) => {
    const e = emitBody.parse(req.body);
    const b = state.bookings.get(e.bookingId);
    if (!b) return reply.code(404).send({ error: 'not found' });
    const body = webhookBody(state, b, e);
    const headers: Record<string, string> = { ...e.headers };
    if (e.token) headers.authorization = `Bearer ${e.token}`;
    const res = await sendWebhook(e.target, body, headers);
    if (res.status === 0) return reply.code(502).send({ delivered: false, status: 0, error: res.body });
    return { delivered: res.status >= 200 && res.status < 300, status: res.status, body: res.body };
  });
};

export default beds24;
