import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SimContext, SimProvider } from '../server.ts';

/**
 * Fake Stripe read API under /stripe/v1: customers, charges, payment_intents, invoices and
 * subscriptions lists with Stripe's cursor pagination (newest first, starting_after, limit <= 100,
 * created[gte]). Objects are added through POST /__sim/stripe/objects.
 */
export const STRIPE_SIM_KEY = 'sk_test_sim';
const LISTS = ['customers', 'charges', 'payment_intents', 'invoices', 'subscriptions'] as const;
type ListName = (typeof LISTS)[number];
const PREFIX: Record<ListName, string> = {
  customers: 'customer',
  charges: 'charge',
  payment_intents: 'payment_intent',
  invoices: 'invoice',
  subscriptions: 'subscription',
};

type Obj = Record<string, unknown> & { id: string; created: number };
type StripeState = { lists: Record<ListName, Obj[]>; clock: number };

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  starting_after: z.string().optional(),
  'created[gte]': z.coerce.number().int().optional(),
  status: z.string().optional(),
});

const objects = z.array(z.looseObject({ id: z.string().min(1) })).optional();
const seedBody = z.object({
  customers: objects,
  charges: objects,
  payment_intents: objects,
  invoices: objects,
  subscriptions: objects,
});

const stripe: SimProvider = (app, ctx: SimContext) => {
  const fresh = (): StripeState => ({
    lists: { customers: [], charges: [], payment_intents: [], invoices: [], subscriptions: [] },
    clock: Math.floor(Date.UTC(2026, 0, 1) / 1000),
  });
  ctx.state.stripe = fresh();
  const st = () => ctx.state.stripe as StripeState;
  ctx.resetters.push(() => {
    ctx.state.stripe = fresh();
  });

  const auth = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.headers.authorization !== `Bearer ${STRIPE_SIM_KEY}`)
      return reply
        .code(401)
        .send({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
  };

  for (const list of LISTS) {
    app.get(`/stripe/v1/${list}`, { preHandler: auth }, async (req, reply) => {
      const q = listQuery.parse(req.query);
      // Newest first; ties broken by id so the cursor order is total.
      let items = [...st().lists[list]].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
      if (q['created[gte]'] !== undefined)
        items = items.filter((o) => o.created >= (q['created[gte]'] as number));
      if (list === 'subscriptions' && q.status !== 'all')
        items = items.filter((o) => o.status !== 'canceled');
      let start = 0;
      if (q.starting_after) {
        const idx = items.findIndex((o) => o.id === q.starting_after);
        if (idx < 0)
          return reply.code(400).send({
            error: { type: 'invalid_request_error', message: `No such object: '${q.starting_after}'` },
          });
        start = idx + 1;
      }
      const data = items.slice(start, start + q.limit);
      return { object: 'list', url: `/v1/${list}`, has_more: start + q.limit < items.length, data };
    });
  }

  app.post('/__sim/stripe/objects', async (req) => {
    const body = seedBody.parse(req.body);
    const s = st();
    for (const list of LISTS) {
      for (const raw of body[list] ?? []) {
        const o = { object: PREFIX[list], ...raw } as unknown as Obj;
        if (typeof o.created !== 'number') o.created = ++s.clock;
        const i = s.lists[list].findIndex((x) => x.id === o.id);
        if (i >= 0) s.lists[list][i] = o;
        else s.lists[list].push(o);
      }
    }
    return Object.fromEntries(LISTS.map((l) => [l, s.lists[l].length]));
  });
};

export default stripe;
