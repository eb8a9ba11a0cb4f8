import type { Db } from '@cauce/db';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { badRequest } from '../http/bad-request.ts';
import type { RouteDocs } from '../plugins/openapi.ts';

/**
 * Operator identity decisions (docs/staging.md, "Merge and split"): merge two clients, split a
 * source record out of its client. Each is written to identity_decisions (the audit, and what
 * every later unify obeys), applied at once to the links, and followed by a unify run that
 * re-derives the clients' keys.
 */

/** Raw contact tables: the source name a record is written as ("<source>:<source id>"). */
const RECORDS = `
  SELECT 'stripe' AS src, stripe_customer_id AS src_id, 1 AS prio, id, client_id FROM stripe_customers_raw
  UNION ALL SELECT 'paypal', payer_id, 2, id, client_id FROM paypal_payers_raw
  UNION ALL SELECT 'ghl', ghl_contact_id, 3, id, client_id FROM ghl_contacts_raw
  UNION ALL SELECT 'manychat', subscriber_id, 4, id, client_id FROM manychat_contacts_raw
  UNION ALL SELECT 'csv', import_id || ':' || row_number, 5, id, client_id FROM csv_imports_raw`;
const RAW_TABLES = [
  'stripe_customers_raw',
  'paypal_payers_raw',
  'ghl_contacts_raw',
  'manychat_contacts_raw',
  'csv_imports_raw',
  'transactions',
  'invoices',
  'subscriptions',
] as const;

const clientId = z.string().regex(/^\d{1,18}$/, 'a numeric client id');
const mergeBody = z.object({
  into: clientId.describe('the client that stays'),
  from: clientId.describe('the client retired into it'),
  note: z.string().max(500).optional(),
});
const splitBody = z.object({
  record: z
    .string()
    .regex(/^(stripe|paypal|ghl|manychat|csv):.{1,300}$/, '"<source>:<source id>"')
    .describe('the source record to take out, e.g. "manychat:123"'),
  note: z.string().max(500).optional(),
});
const idParams = z.object({ id: clientId });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) });

const error = z.object({ error: z.string(), message: z.string().optional() });
const auth = {
  401: { description: 'missing or invalid token', schema: error },
  403: { description: 'the token lacks the role', schema: error },
};
const docs = (d: Omit<RouteDocs, 'tags'>): { openapi: RouteDocs } => ({ openapi: { tags: ['sync'], ...d } });

type StartUnify = () => Promise<{ run: { id: string }; started: boolean }>;

const decisionView = (d: {
  id: bigint;
  clientId: bigint;
  otherClientId: bigint | null;
  [k: string]: unknown;
}) => ({
  ...d,
  id: String(d.id),
  clientId: String(d.clientId),
  otherClientId: d.otherClientId === null ? null : String(d.otherClientId),
});

/** The best-ranked record of a client ("<source>:<source id>"), or null when it has none. */
async function leadRecord(tx: Pick<Db, '$queryRawUnsafe'>, client: bigint): Promise<string | null> {
  const rows = await tx.$queryRawUnsafe<Array<{ rec: string }>>(
    `SELECT src || ':' || src_id AS rec FROM (${RECORDS}) r WHERE client_id = $1 ORDER BY prio, id LIMIT 1`,
    client,
  );
  return rows[0]?.rec ?? null;
}

export async function identityRoutes(app: FastifyInstance, db: Db, startUnify: StartUnify) {
  const admin = app.requireRole('admin');
  const viewer = app.requireRole('viewer');

  app.post(
    '/api/sync/clients/merge',
    {
      preHandler: admin,
      config: docs({
        summary: 'Merge two clients into one',
        description:
          "Moves the `from` client's records, payments and open conflicts to `into`, retires `from` " +
          '(merged_into = into), records the decision (later unify runs keep the two together) and starts a unify run.',
        auth: 'admin',
        body: mergeBody,
        responses: {
          200: { description: 'merged; the decision and the unify run', schema: z.looseObject({}) },
          404: { description: 'no such client', schema: error },
          409: {
            description: 'the same client twice, a retired client, or a client with no record',
            schema: error,
          },
          ...auth,
        },
      }),
    },
    async (req, reply) => {
      const b = mergeBody.safeParse(req.body);
      if (!b.success) return badRequest(reply, b.error);
      const into = BigInt(b.data.into);
      const from = BigInt(b.data.from);
      if (into === from)
        return reply.code(409).send({ error: 'same_client', message: 'into and from are one client' });
      const out = await db.$transaction(async (tx) => {
        const clients = await tx.client.findMany({ where: { id: { in: [into, from] } } });
        if (clients.length < 2)
          return { status: 404, body: { error: 'not_found', message: 'no such client' } };
        if (clients.some((c) => c.retiredAt))
          return { status: 409, body: { error: 'retired', message: 'a retired client cannot be merged' } };
        const [rec, other] = [await leadRecord(tx, into), await leadRecord(tx, from)];
        if (!rec || !other)
          return { status: 409, body: { error: 'no_records', message: 'both clients need a source record' } };
        const decision = await tx.identityDecision.create({
          data: {
            kind: 'merge',
            clientId: into,
            otherClientId: from,
            record: rec,
            otherRecord: other,
            actor: req.user.sub,
            note: b.data.note ?? null,
          },
        });
        for (const t of RAW_TABLES)
          await tx.$executeRawUnsafe(`UPDATE ${t} SET client_id = $1 WHERE client_id = $2`, into, from);
        await tx.$executeRaw`UPDATE merge_conflicts SET client_id = ${into}
          WHERE client_id = ${from} AND status = 'open'
            AND NOT EXISTS (SELECT 1 FROM merge_conflicts m WHERE m.client_id = ${into} AND m.field = merge_conflicts.field
              AND m.incoming_value = merge_conflicts.incoming_value AND m.incoming_source = merge_conflicts.incoming_source
              AND m.incoming_source_id = merge_conflicts.incoming_source_id)`;
        await tx.client.update({
          where: { id: from },
          data: {
            retiredAt: new Date(),
            mergedInto: into,
            email: null,
            stripeCustomerId: null,
            ghlContactId: null,
            manychatSubscriberId: null,
          },
        });
        return { status: 200, body: { decision: decisionView(decision) } };
      });
      if (out.status !== 200) return reply.code(out.status).send(out.body);
      return reply.send({ ...out.body, unify: await startUnify() });
    },
  );

  app.post(
    '/api/sync/clients/:id/split',
    {
      preHandler: admin,
      config: docs({
        summary: 'Take a source record out of a client into a client of its own',
        description:
          'Records the decision (later unify runs never join that record by its keys again; an earlier merge ' +
          'decision naming it is withdrawn) and starts a unify run, which gives it its own client.',
        auth: 'admin',
        params: idParams,
        body: splitBody,
        responses: {
          200: { description: 'the decision and the unify run', schema: z.looseObject({}) },
          404: { description: 'the record is not one of this client', schema: error },
          ...auth,
        },
      }),
    },
    async (req, reply) => {
      const p = idParams.safeParse(req.params);
      if (!p.success) return badRequest(reply, p.error);
      const b = splitBody.safeParse(req.body);
      if (!b.success) return badRequest(reply, b.error);
      const id = BigInt(p.data.id);
      const record = b.data.record;
      const decision = await db.$transaction(async (tx) => {
        const found = await tx.$queryRawUnsafe<Array<{ src: string; id: bigint }>>(
          `SELECT src, id FROM (${RECORDS}) r WHERE client_id = $1 AND src || ':' || src_id = $2`,
          id,
          record,
        );
        const row = found[0];
        if (!row) return null;
        await tx.identityDecision.updateMany({
          where: { kind: 'merge', active: true, OR: [{ record }, { otherRecord: record }] },
          data: { active: false },
        });
        const table = RAW_TABLES[['stripe', 'paypal', 'ghl', 'manychat', 'csv'].indexOf(row.src)];
        // It no longer votes for its old client: unify gives it one of its own.
        await tx.$executeRawUnsafe(`UPDATE ${table} SET client_id = NULL WHERE id = $1`, row.id);
        return tx.identityDecision.create({
          data: { kind: 'split', clientId: id, record, actor: req.user.sub, note: b.data.note ?? null },
        });
      });
      if (!decision)
        return reply.code(404).send({ error: 'not_found', message: 'that record is not one of this client' });
      return reply.send({ decision: decisionView(decision), unify: await startUnify() });
    },
  );

  app.get(
    '/api/sync/clients/:id',
    {
      preHandler: viewer,
      config: docs({
        summary: 'A client, its source records and the decisions about it',
        description: 'A retired client answers with merged_into: follow it to the survivor.',
        auth: 'viewer',
        params: idParams,
        responses: {
          200: { description: 'the client' },
          404: { description: 'no such client', schema: error },
          ...auth,
        },
      }),
    },
    async (req, reply) => {
      const p = idParams.safeParse(req.params);
      if (!p.success) return badRequest(reply, p.error);
      const id = BigInt(p.data.id);
      const client = await db.client.findUnique({ where: { id } });
      if (!client) return reply.code(404).send({ error: 'not_found', message: 'no such client' });
      const records = await db.$queryRawUnsafe<Array<{ record: string }>>(
        `SELECT src || ':' || src_id AS record FROM (${RECORDS}) r WHERE client_id = $1 ORDER BY prio, id`,
        id,
      );
      const decisions = await db.identityDecision.findMany({
        where: { OR: [{ clientId: id }, { otherClientId: id }] },
        orderBy: { id: 'asc' },
      });
      return {
        client: {
          ...client,
          id: String(client.id),
          mergedInto: client.mergedInto === null ? null : String(client.mergedInto),
        },
        records: records.map((r) => r.record),
        decisions: decisions.map(decisionView),
      };
    },
  );

  app.get(
    '/api/sync/decisions',
    {
      preHandler: viewer,
      config: docs({
        summary: 'Operator merge/split decisions, newest first (the audit)',
        auth: 'viewer',
        querystring: listQuery,
        responses: { 200: { description: 'decisions' }, ...auth },
      }),
    },
    async (req, reply) => {
      const q = listQuery.safeParse(req.query);
      if (!q.success) return badRequest(reply, q.error);
      const rows = await db.identityDecision.findMany({ orderBy: { id: 'desc' }, take: q.data.limit });
      return { decisions: rows.map(decisionView) };
    },
  );

  app.get(
    '/api/sync/blocked',
    {
      preHandler: viewer,
      config: docs({
        summary: 'Identifiers the last unify run did not use as keys (denylist, placeholder, cardinality)',
        auth: 'viewer',
        querystring: listQuery,
        responses: { 200: { description: 'the complete report, most-seen first' }, ...auth },
      }),
    },
    async (req, reply) => {
      const q = listQuery.safeParse(req.query);
      if (!q.success) return badRequest(reply, q.error);
      const [rows, total] = await Promise.all([
        db.blockedIdentifier.findMany({ orderBy: [{ seen: 'desc' }, { value: 'asc' }], take: q.data.limit }),
        db.blockedIdentifier.count(),
      ]);
      return { total, blocked: rows };
    },
  );
}
