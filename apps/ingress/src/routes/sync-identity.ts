import type { Db } from '@cauce/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUTH, doc, errorReply, storedTime, VIEWER_AUTH } from '../http/schemas.ts';

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

const tags = ['sync'];

/** A sync_runs row as the staging API shows it (bigint id as a string). */
export const runSchema = z.object({
  id: z.string(),
  source: z.string(),
  kind: z.string(),
  status: z.string(),
  params: z.unknown(),
  counters: z.unknown(),
  total: z.number().int().nullable(),
  processed: z.number().int(),
  checkpoint: z.unknown(),
  error: z.string().nullable(),
  startedAt: storedTime,
  updatedAt: storedTime,
  finishedAt: storedTime.nullable(),
});
/** A run request's answer: the run, and whether this request started it (false: one was under way). */
export const startedRun = z.object({ run: runSchema, started: z.boolean() });
const decisionSchema = z.object({
  id: z.string(),
  kind: z.string(),
  clientId: z.string(),
  otherClientId: z.string().nullable(),
  record: z.string().nullable(),
  otherRecord: z.string().nullable(),
  actor: z.string(),
  note: z.string().nullable(),
  active: z.boolean(),
  createdAt: storedTime,
});
const decided = z.object({ decision: decisionSchema, unify: startedRun });
export const clientSchema = z.object({
  id: z.string(),
  stripeCustomerId: z.string().nullable(),
  email: z.string().nullable(),
  phoneE164: z.string().nullable(),
  ghlContactId: z.string().nullable(),
  manychatSubscriberId: z.string().nullable(),
  name: z.string().nullable(),
  emailSource: z.string().nullable(),
  phoneSource: z.string().nullable(),
  createdAt: storedTime,
  updatedAt: storedTime,
  retiredAt: storedTime.nullable(),
  mergedInto: z.string().nullable(),
});

type StartUnify = () => Promise<z.output<typeof startedRun>>;

const decisionView = <D extends { id: bigint; clientId: bigint; otherClientId: bigint | null }>(d: D) => ({
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

export async function identityRoutes(scope: FastifyInstance, db: Db, startUnify: StartUnify) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const admin = app.requireRole('admin');
  const viewer = app.requireRole('viewer');

  app.post(
    '/api/sync/clients/merge',
    {
      preValidation: admin,
      schema: {
        ...doc({
          summary: 'Merge two clients into one',
          description:
            "Moves the `from` client's records, payments and open conflicts to `into`, retires `from` " +
            '(merged_into = into), records the decision (later unify runs keep the two together) and starts a unify run.',
          tags,
          auth: 'admin',
        }),
        body: mergeBody,
        response: {
          200: decided.describe('merged; the decision and the unify run'),
          404: errorReply.describe('no such client'),
          409: errorReply.describe('the same client twice, a retired client, or a client with no record'),
          ...AUTH,
        },
      },
    },
    async (req, reply) => {
      const into = BigInt(req.body.into);
      const from = BigInt(req.body.from);
      if (into === from)
        return reply.code(409).send({ error: 'same_client', message: 'into and from are one client' });
      const out = await db.$transaction(async (tx) => {
        const clients = await tx.client.findMany({ where: { id: { in: [into, from] } } });
        if (clients.length < 2)
          return { status: 404 as const, body: { error: 'not_found', message: 'no such client' } };
        if (clients.some((c) => c.retiredAt))
          return {
            status: 409 as const,
            body: { error: 'retired', message: 'a retired client cannot be merged' },
          };
        const [rec, other] = [await leadRecord(tx, into), await leadRecord(tx, from)];
        if (!rec || !other)
          return {
            status: 409 as const,
            body: { error: 'no_records', message: 'both clients need a source record' },
          };
        const decision = await tx.identityDecision.create({
          data: {
            kind: 'merge',
            clientId: into,
            otherClientId: from,
            record: rec,
            otherRecord: other,
            actor: req.user.sub,
            note: req.body.note ?? null,
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
        return { status: 200 as const, body: { decision: decisionView(decision) } };
      });
      if (out.status !== 200) return reply.code(out.status).send(out.body);
      return reply.send({ ...out.body, unify: await startUnify() });
    },
  );

  app.post(
    '/api/sync/clients/:id/split',
    {
      preValidation: admin,
      schema: {
        ...doc({
          summary: 'Take a source record out of a client into a client of its own',
          description:
            'Records the decision (later unify runs never join that record by its keys again; an earlier merge ' +
            'decision naming it is withdrawn) and starts a unify run, which gives it its own client.',
          tags,
          auth: 'admin',
        }),
        params: idParams,
        body: splitBody,
        response: {
          200: decided.describe('the decision and the unify run'),
          404: errorReply.describe('the record is not one of this client'),
          ...AUTH,
        },
      },
    },
    async (req, reply) => {
      const id = BigInt(req.params.id);
      const record = req.body.record;
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
          data: { kind: 'split', clientId: id, record, actor: req.user.sub, note: req.body.note ?? null },
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
      preValidation: viewer,
      schema: {
        ...doc({
          summary: 'A client, its source records and the decisions about it',
          description: 'A retired client answers with merged_into: follow it to the survivor.',
          tags,
          auth: 'viewer',
        }),
        params: idParams,
        response: {
          200: z
            .object({
              client: clientSchema,
              records: z.array(z.string()),
              decisions: z.array(decisionSchema),
            })
            .describe('the client'),
          404: errorReply.describe('no such client'),
          ...VIEWER_AUTH,
        },
      },
    },
    async (req, reply) => {
      const id = BigInt(req.params.id);
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
      preValidation: viewer,
      schema: {
        ...doc({ summary: 'Operator merge/split decisions, newest first (the audit)', tags, auth: 'viewer' }),
        querystring: listQuery,
        response: {
          200: z.object({ decisions: z.array(decisionSchema) }).describe('decisions'),
          ...VIEWER_AUTH,
        },
      },
    },
    async (req) => {
      const rows = await db.identityDecision.findMany({ orderBy: { id: 'desc' }, take: req.query.limit });
      return { decisions: rows.map(decisionView) };
    },
  );

  app.get(
    '/api/sync/blocked',
    {
      preValidation: viewer,
      schema: {
        ...doc({
          summary: 'Identifiers the last unify run did not use as keys (denylist, placeholder, cardinality)',
          tags,
          auth: 'viewer',
        }),
        querystring: listQuery,
        response: {
          200: z
            .object({
              total: z.number().int(),
              blocked: z.array(
                z.object({
                  kind: z.string(),
                  value: z.string(),
                  reason: z.string(),
                  seen: z.number().int(),
                  updatedAt: storedTime,
                }),
              ),
            })
            .describe('the complete report, most-seen first'),
          ...VIEWER_AUTH,
        },
      },
    },
    async (req) => {
      const [rows, total] = await Promise.all([
        db.blockedIdentifier.findMany({
          orderBy: [{ seen: 'desc' }, { value: 'asc' }],
          take: req.query.limit,
        }),
        db.blockedIdentifier.count(),
      ]);
      return { total, blocked: rows };
    },
  );
}
