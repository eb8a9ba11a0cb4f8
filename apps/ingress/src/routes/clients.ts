import type { Db, Prisma } from '@cauce/db';
import { bool } from '@cauce/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';
import { doc, errors, storedTime, VIEWER_AUTH } from '../http/schemas.ts';
import { clientSchema } from './sync-identity.ts';

/**
 * Unified clients for the console (docs/staging.md, "Clients"): search, the raw rows a client
 * was built from, and its payments. Merge, split, the client's decisions and the conflicts are
 * the identity routes (sync-identity.ts, sync.ts); these only read.
 */

const clientId = z.string().regex(/^\d{1,18}$/, 'a numeric client id');
const idParams = z.object({ id: clientId });
const searchQuery = z.object({
  q: z.string().trim().max(200).optional().describe('part of the name or e-mail, or of the phone (digits)'),
  include_retired: bool.optional().describe('also clients merged into another or left without records'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** A client as the identity routes show it, without which source gave its email and phone. */
const clientSummary = clientSchema.omit({ emailSource: true, phoneSource: true });
const sourceRow = z.object({
  source: z.string().describe('stripe | paypal | ghl | manychat | csv'),
  sourceId: z.string(),
  record: z.string().describe('"<source>:<source id>", what a split names'),
  name: z.string().nullable(),
  email: z.string().nullable(),
  phoneE164: z.string().nullable(),
  fetchedAt: storedTime,
  mergedAt: storedTime.nullable(),
  payload: z.unknown(),
});
const paymentFields = {
  id: z.string(),
  source: z.string(),
  sourceId: z.string(),
  status: z.string().nullable(),
  sourceCreatedAt: storedTime.nullable(),
  payload: z.unknown(),
};
const currency = z.string().nullable();
const transactionView = z.object({
  ...paymentFields,
  kind: z.string(),
  currency,
  amount: z.string().nullable(),
});
const invoiceView = z.object({ ...paymentFields, currency, total: z.string().nullable() });
const subscriptionView = z.object(paymentFields);
const tags = ['clients'];

type ClientRow = Prisma.ClientGetPayload<object>;
const clientView = (c: ClientRow) => ({
  id: String(c.id),
  name: c.name,
  email: c.email,
  phoneE164: c.phoneE164,
  stripeCustomerId: c.stripeCustomerId,
  ghlContactId: c.ghlContactId,
  manychatSubscriberId: c.manychatSubscriberId,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
  retiredAt: c.retiredAt,
  mergedInto: c.mergedInto === null ? null : String(c.mergedInto),
});

function searchFilter(q: string | undefined): Prisma.ClientWhereInput {
  if (!q) return {};
  const or: Prisma.ClientWhereInput[] = [
    { name: { contains: q, mode: 'insensitive' } },
    { email: { contains: q, mode: 'insensitive' } },
  ];
  const digits = q.replace(/[\s().+-]/g, '');
  if (/^\d{4,}$/.test(digits)) or.push({ phoneE164: { contains: digits } });
  if (/^\d{1,18}$/.test(q)) or.push({ id: BigInt(q) });
  return { OR: or };
}

/** Every raw contact row linked to the client, best source first (the order unify ranks them). */
async function sourcesOf(db: Db, id: bigint): Promise<Array<z.output<typeof sourceRow>>> {
  const where = { clientId: id };
  const orderBy = { id: 'asc' } as const;
  const common = <
    R extends {
      name: string | null;
      email: string | null;
      fetchedAt: Date;
      mergedAt: Date | null;
      payload: unknown;
    },
  >(
    source: string,
    sourceId: string,
    r: R,
    phoneE164: string | null,
  ) => ({
    source,
    sourceId,
    record: `${source}:${sourceId}`,
    name: r.name,
    email: r.email,
    phoneE164,
    fetchedAt: r.fetchedAt,
    mergedAt: r.mergedAt,
    payload: r.payload,
  });
  const [stripe, paypal, ghl, manychat, csv] = await Promise.all([
    db.stripeCustomerRaw.findMany({ where, orderBy }),
    db.paypalPayerRaw.findMany({ where, orderBy }),
    db.ghlContactRaw.findMany({ where, orderBy }),
    db.manychatContactRaw.findMany({ where, orderBy }),
    db.csvImportRaw.findMany({ where, orderBy }),
  ]);
  return [
    ...stripe.map((r) => common('stripe', r.stripeCustomerId, r, r.phoneE164)),
    ...paypal.map((r) => common('paypal', r.payerId, r, r.phoneE164)),
    ...ghl.map((r) => common('ghl', r.ghlContactId, r, r.phoneE164)),
    ...manychat.map((r) => common('manychat', r.subscriberId, r, r.phoneE164)),
    ...csv.map((r) => common('csv', `${r.importId}:${r.rowNumber}`, r, r.phoneE164)),
  ];
}

export async function clientsRoutes(scope: FastifyInstance, { db }: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const viewer = app.requireRole('viewer');
  const notFound = { error: 'not_found', message: 'no such client' };

  const searchSchema = {
    ...doc({
      summary: 'Search unified clients, most recently updated first',
      description:
        '`q` matches part of the name or e-mail (any case), a phone by its digits, or a client id. Retired clients (merged or without records) only with `include_retired=true`.',
      tags,
      auth: 'viewer',
    }),
    querystring: searchQuery,
    response: {
      200: z
        .object({ total: z.number().int(), count: z.number().int(), clients: z.array(clientSummary) })
        .describe('a page of clients'),
      ...VIEWER_AUTH,
    },
  };
  app.get('/api/clients', { preValidation: viewer, schema: searchSchema }, async (req) => {
    const q = req.query;
    const where: Prisma.ClientWhereInput = {
      ...searchFilter(q.q),
      ...(q.include_retired ? {} : { retiredAt: null }),
    };
    const [total, rows] = await Promise.all([
      db.client.count({ where }),
      db.client.findMany({
        where,
        orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
        take: q.limit,
        skip: q.offset,
      }),
    ]);
    return { total, count: rows.length, clients: rows.map(clientView) };
  });

  const sourcesSchema = {
    ...doc({ summary: 'The raw source rows a client was unified from', tags, auth: 'viewer' }),
    params: idParams,
    response: {
      200: z.object({ clientId: z.string(), sources: z.array(sourceRow) }).describe('the rows'),
      ...errors({ 404: 'no such client' }),
      ...VIEWER_AUTH,
    },
  };
  app.get(
    '/api/clients/:id/sources',
    { preValidation: viewer, schema: sourcesSchema },
    async (req, reply) => {
      const id = BigInt(req.params.id);
      if (!(await db.client.findUnique({ where: { id }, select: { id: true } })))
        return reply.code(404).send(notFound);
      return { clientId: req.params.id, sources: await sourcesOf(db, id) };
    },
  );

  const paymentsSchema = {
    ...doc({
      summary: "A client's payments: transactions, invoices and subscriptions (newest first)",
      tags,
      auth: 'viewer',
    }),
    params: idParams,
    response: {
      200: z
        .object({
          clientId: z.string(),
          transactions: z.array(transactionView),
          invoices: z.array(invoiceView),
          subscriptions: z.array(subscriptionView),
        })
        .describe('the payments'),
      ...errors({ 404: 'no such client' }),
      ...VIEWER_AUTH,
    },
  };
  app.get(
    '/api/clients/:id/payments',
    { preValidation: viewer, schema: paymentsSchema },
    async (req, reply) => {
      const id = BigInt(req.params.id);
      if (!(await db.client.findUnique({ where: { id }, select: { id: true } })))
        return reply.code(404).send(notFound);
      const where = { clientId: id };
      const orderBy = [{ sourceCreatedAt: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }] as const;
      const [transactions, invoices, subscriptions] = await Promise.all([
        db.transaction.findMany({ where, orderBy: [...orderBy], take: 500 }),
        db.invoice.findMany({ where, orderBy: [...orderBy], take: 500 }),
        db.subscription.findMany({ where, orderBy: [...orderBy], take: 500 }),
      ]);
      const base = (r: {
        id: bigint;
        source: string;
        sourceId: string;
        status: string | null;
        sourceCreatedAt: Date | null;
        payload: unknown;
      }) => ({
        id: String(r.id),
        source: r.source,
        sourceId: r.sourceId,
        status: r.status,
        sourceCreatedAt: r.sourceCreatedAt,
        payload: r.payload,
      });
      return {
        clientId: req.params.id,
        transactions: transactions.map((t) => ({
          ...base(t),
          kind: t.kind,
          currency: t.currency,
          amount: t.amount?.toFixed(2) ?? null,
        })),
        invoices: invoices.map((i) => ({
          ...base(i),
          currency: i.currency,
          total: i.total?.toFixed(2) ?? null,
        })),
        subscriptions: subscriptions.map(base),
      };
    },
  );
}
