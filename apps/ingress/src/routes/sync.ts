import { type Db, isUniqueViolation, type Prisma } from '@cauce/db';
import { JOBS, type JobQueue, type JobSpec, QUEUES } from '@cauce/queues';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';
import { AUTH, doc, errors, numericId, storedTime, VIEWER_AUTH } from '../http/schemas.ts';
import { csvImportRoutes } from './sync-csv.ts';
import { identityRoutes, runSchema, startedRun } from './sync-identity.ts';

/**
 * Staging admin API (docs/staging.md; the console's Sync page, apps/console/src/pages/sync.tsx, drives it): start syncs per source, unify, follow runs, count what waits
 * to be unified, and resolve merge conflicts. worker-staging does the work; this writes the
 * sync_runs row, enqueues the job and reads results from PostgreSQL.
 */

export const SYNC_SOURCES = ['ghl', 'manychat', 'stripe', 'paypal'] as const;
type SyncSource = (typeof SYNC_SOURCES)[number];
/** What the ManyChat lookup reads (ghl_contacts_raw, stripe_customers_raw; CSV imports are uploads). */
const LOOKUP_SOURCES = ['ghl', 'stripe'] as const satisfies readonly SyncSource[];
const SOURCE_QUEUE: Record<SyncSource, JobQueue<typeof JOBS.stagingSync>> = {
  ghl: QUEUES.stagingGhl,
  manychat: QUEUES.stagingManychat,
  stripe: QUEUES.stagingStripe,
  paypal: QUEUES.stagingPaypal,
};

const sourceParams = z.object({ source: z.enum([...SYNC_SOURCES, 'all']) });
const runsQuery = z.object({
  source: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const conflictsQuery = z.object({
  status: z.enum(['open', 'resolved', 'all']).default('open'),
  client_id: numericId.optional().describe("only this client's conflicts"),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const idParams = z.object({ id: numericId });
const resolveBody = z.object({ choice: z.enum(['existing', 'incoming']) });
const counts = z.record(z.string(), z.number().int());
const conflictSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  field: z.string(),
  existingValue: z.string().nullable(),
  existingSource: z.string().nullable(),
  incomingValue: z.string(),
  incomingSource: z.string(),
  incomingSourceId: z.string(),
  status: z.string(),
  choice: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  resolvedAt: storedTime.nullable(),
  createdAt: storedTime,
});
const tags = ['sync'];

/** A queued/running run not updated for this long is considered lost. */
const STALE_RUN_MS = 15 * 60_000;

const CLIENT_FIELD = { email: 'email', phone_e164: 'phoneE164' } as const;
const SOURCE_FIELD = { email: 'emailSource', phone_e164: 'phoneSource' } as const;

/** JSON-safe run (BigInt ids as strings). */
function runView(r: {
  id: bigint;
  source: string;
  kind: string;
  status: string;
  params: unknown;
  counters: unknown;
  total: number | null;
  processed: number;
  checkpoint: unknown;
  error: string | null;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}) {
  return { ...r, id: String(r.id) };
}

/** Raw rows waiting for unify, per table (never merged, or fetched again since). */
export async function pendingCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db.$queryRaw<Array<Record<string, bigint>>>`
    SELECT
      (SELECT count(*) FROM ghl_contacts_raw WHERE merged_at IS NULL OR fetched_at > merged_at) AS ghl_contacts_raw,
      (SELECT count(*) FROM manychat_contacts_raw WHERE merged_at IS NULL OR fetched_at > merged_at) AS manychat_contacts_raw,
      (SELECT count(*) FROM stripe_customers_raw WHERE merged_at IS NULL OR fetched_at > merged_at) AS stripe_customers_raw,
      (SELECT count(*) FROM csv_imports_raw WHERE merged_at IS NULL OR fetched_at > merged_at) AS csv_imports_raw,
      (SELECT count(*) FROM paypal_payers_raw WHERE merged_at IS NULL OR fetched_at > merged_at) AS paypal_payers_raw,
      (SELECT count(*) FROM transactions WHERE merged_at IS NULL OR fetched_at > merged_at) AS transactions,
      (SELECT count(*) FROM invoices WHERE merged_at IS NULL OR fetched_at > merged_at) AS invoices,
      (SELECT count(*) FROM subscriptions WHERE merged_at IS NULL OR fetched_at > merged_at) AS subscriptions`;
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
}

async function totals(db: Db): Promise<Record<string, number>> {
  const rows = await db.$queryRaw<Array<Record<string, bigint>>>`
    SELECT
      (SELECT count(*) FROM ghl_contacts_raw) AS ghl_contacts_raw,
      (SELECT count(*) FROM manychat_contacts_raw) AS manychat_contacts_raw,
      (SELECT count(*) FROM stripe_customers_raw) AS stripe_customers_raw,
      (SELECT count(*) FROM csv_imports_raw) AS csv_imports_raw,
      (SELECT count(*) FROM paypal_payers_raw) AS paypal_payers_raw,
      (SELECT count(*) FROM transactions) AS transactions,
      (SELECT count(*) FROM invoices) AS invoices,
      (SELECT count(*) FROM subscriptions) AS subscriptions,
      (SELECT count(*) FROM clients WHERE retired_at IS NULL) AS clients,
      (SELECT count(*) FROM clients WHERE retired_at IS NOT NULL) AS retired_clients,
      (SELECT count(*) FROM merge_conflicts WHERE status = 'open') AS open_conflicts`;
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
}

export async function syncRoutes(scope: FastifyInstance, deps: IngressDeps) {
  const { db, producer } = deps;
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const admin = app.requireRole('admin');
  const viewer = app.requireRole('viewer');
  await csvImportRoutes(app, deps);

  /**
   * One live run per source, enforced by the database (the partial unique index
   * sync_runs_one_live_run_per_source): a second request, from any ingress replica, gets the run
   * already under way. A run silent for STALE_RUN_MS (its job lost with Redis) is ended `failed`
   * to make room. A new run continues from the checkpoint of a run that failed for good (provider
   * outage, or that lost run), so nothing is fetched twice. Returns the run and, when it is new,
   * the job to enqueue for it.
   */
  async function createRun(source: SyncSource | 'unify') {
    const kind = source === 'unify' ? 'unify' : 'sync';
    // Two rounds cover a request that loses the insert race to a run that then turned stale.
    for (let round = 0; ; round++) {
      const live = await db.syncRun.findFirst({
        where: { source, kind: { in: ['sync', 'unify'] }, status: { in: ['queued', 'running'] } },
      });
      if (live && live.updatedAt.getTime() > Date.now() - STALE_RUN_MS)
        return { run: runView(live), started: false, job: null };
      if (live)
        await db.syncRun.updateMany({
          where: { id: live.id, status: { in: ['queued', 'running'] }, updatedAt: live.updatedAt },
          data: {
            status: 'failed',
            error: 'lost: no progress for 15 minutes (its job never ran or its worker died)',
            finishedAt: new Date(),
          },
        });
      const last = await db.syncRun.findFirst({ where: { source }, orderBy: { startedAt: 'desc' } });
      const resume = kind === 'sync' && last?.status === 'failed' && last.checkpoint !== null ? last : null;
      try {
        const run = await db.syncRun.create({
          data: {
            source,
            kind,
            status: 'queued',
            ...(resume
              ? {
                  checkpoint: resume.checkpoint as Prisma.InputJsonValue,
                  counters: resume.counters as Prisma.InputJsonValue,
                  processed: resume.processed,
                  params: { resumedFrom: String(resume.id) },
                }
              : {}),
          },
        });
        const runId = String(run.id);
        const job: JobSpec =
          source === 'unify'
            ? {
                queue: QUEUES.stagingUnify,
                name: JOBS.stagingUnify,
                data: { runId },
                dedupeKey: `${kind}-${runId}`,
              }
            : {
                queue: SOURCE_QUEUE[source],
                name: JOBS.stagingSync,
                data: { runId, source },
                dedupeKey: `${kind}-${runId}`,
              };
        return { run: runView(run), started: true, job };
      } catch (err) {
        // Another request inserted this source's live run first: answer with that one.
        if (!isUniqueViolation(err) || round >= 1) throw err;
      }
    }
  }

  async function startRun(source: SyncSource | 'unify') {
    const { job, ...out } = await createRun(source);
    if (job) await producer.addSpec(job);
    return out;
  }

  /**
   * Sync All: the ManyChat lookup asks ManyChat about what the other sources staged, so it is the
   * parent of a BullMQ flow whose children are those sources' new runs: it starts only once each
   * has finished (succeeded or failed for good). PayPal feeds no lookup and runs alongside.
   */
  async function startAll() {
    const created = new Map<SyncSource, Awaited<ReturnType<typeof createRun>>>();
    for (const s of SYNC_SOURCES) created.set(s, await createRun(s));
    const lookup = created.get('manychat')?.job;
    const feeding = LOOKUP_SOURCES.flatMap((s) => created.get(s)?.job ?? []);
    const inFlow = new Set<JobSpec>(lookup ? [lookup, ...feeding] : []);
    if (lookup) await producer.addFlow(lookup, feeding);
    for (const { job } of created.values()) if (job && !inFlow.has(job)) await producer.addSpec(job);
    return [...created.values()].map(({ job: _job, ...out }) => out);
  }

  await identityRoutes(app, db, () => startRun('unify'));

  const unifySchema = {
    ...doc({ summary: 'Start a unify run (one at a time)', tags, auth: 'admin' }),
    response: {
      202: startedRun.describe('started'),
      409: startedRun.describe('a unify run is under way: that run'),
      ...AUTH,
    },
  };
  app.post('/api/sync/unify', { preValidation: admin, schema: unifySchema }, async (_req, reply) => {
    const out = await startRun('unify');
    return reply.code(out.started ? 202 : 409).send(out);
  });

  const syncSchema = {
    ...doc({
      summary: 'Start a sync of one source, or of all of them',
      description:
        "`all`: the ManyChat lookup starts once the sources it reads (GHL, Stripe) have finished; PayPal runs alongside. A source's run continues from the checkpoint of a run that failed for good.",
      tags,
      auth: 'admin',
    }),
    params: sourceParams,
    response: {
      202: z.object({ runs: z.array(startedRun) }).describe('started (all: each source, new or under way)'),
      409: startedRun.describe('a run of this source is under way: that run'),
      ...AUTH,
    },
  };
  app.post('/api/sync/:source', { preValidation: admin, schema: syncSchema }, async (req, reply) => {
    const { source } = req.params;
    if (source === 'all') return reply.code(202).send({ runs: await startAll() });
    const out = await startRun(source);
    if (!out.started) return reply.code(409).send(out);
    return reply.code(202).send({ runs: [out] });
  });

  const runsSchema = {
    ...doc({ summary: 'Sync, unify and CSV runs, newest first', tags, auth: 'viewer' }),
    querystring: runsQuery,
    response: { 200: z.object({ runs: z.array(runSchema) }).describe('the runs'), ...VIEWER_AUTH },
  };
  app.get('/api/sync/runs', { preValidation: viewer, schema: runsSchema }, async (req) => {
    const runs = await db.syncRun.findMany({
      where: req.query.source
        ? { source: req.query.source }
        : { source: { in: [...SYNC_SOURCES, 'unify', 'csv'] } },
      orderBy: { startedAt: 'desc' },
      take: req.query.limit,
    });
    return { runs: runs.map(runView) };
  });

  const pendingSchema = {
    ...doc({ summary: 'Raw rows waiting to be unified, per table', tags, auth: 'viewer' }),
    response: { 200: z.object({ pending: counts }).describe('counts per table'), ...VIEWER_AUTH },
  };
  app.get('/api/sync/pending', { preValidation: viewer, schema: pendingSchema }, async () => ({
    pending: await pendingCounts(db),
  }));

  const summarySchema = {
    ...doc({
      summary: "Each source's latest run, table totals and what waits to be unified",
      tags,
      auth: 'viewer',
    }),
    response: {
      200: z
        .object({ latest: z.record(z.string(), runSchema), totals: counts, pending: counts })
        .describe('the summary'),
      ...VIEWER_AUTH,
    },
  };
  app.get('/api/sync/summary', { preValidation: viewer, schema: summarySchema }, async () => {
    const latest = await db.$queryRaw<Array<{ id: bigint }>>`
      SELECT DISTINCT ON (source) id FROM sync_runs
       WHERE source IN ('ghl', 'manychat', 'stripe', 'paypal', 'unify') ORDER BY source, started_at DESC`;
    const runs = await db.syncRun.findMany({ where: { id: { in: latest.map((r) => r.id) } } });
    return {
      latest: Object.fromEntries(runs.map((r) => [r.source, runView(r)])),
      totals: await totals(db),
      pending: await pendingCounts(db),
    };
  });

  const conflictsSchema = {
    ...doc({ summary: 'Merge conflicts (open by default), oldest first', tags, auth: 'viewer' }),
    querystring: conflictsQuery,
    response: {
      200: z.object({ conflicts: z.array(conflictSchema) }).describe('the conflicts'),
      ...VIEWER_AUTH,
    },
  };
  app.get('/api/sync/conflicts', { preValidation: viewer, schema: conflictsSchema }, async (req) => {
    const rows = await db.mergeConflict.findMany({
      where: {
        ...(req.query.status === 'all' ? {} : { status: req.query.status }),
        ...(req.query.client_id ? { clientId: BigInt(req.query.client_id) } : {}),
      },
      orderBy: { id: 'asc' },
      take: req.query.limit,
    });
    return { conflicts: rows.map((c) => ({ ...c, id: String(c.id), clientId: String(c.clientId) })) };
  });

  const resolveSchema = {
    ...doc({
      summary: 'Resolve a merge conflict: keep the existing value or take the incoming one',
      tags,
      auth: 'admin',
    }),
    params: idParams,
    body: resolveBody,
    response: {
      200: z.object({ conflict: conflictSchema }).describe('the conflict, resolved'),
      ...errors({
        404: 'no such conflict',
        409: 'already resolved, or the incoming e-mail belongs to another client (merge them: the body says how)',
        422: 'the field cannot be taken from the incoming value',
      }),
      ...AUTH,
    },
  };
  app.post(
    '/api/sync/conflicts/:id/resolve',
    { preValidation: admin, schema: resolveSchema },
    async (req, reply) => {
      const id = BigInt(req.params.id);
      const conflict = await db.mergeConflict.findUnique({ where: { id } });
      if (!conflict) return reply.code(404).send({ error: 'not_found', message: 'not found' });
      if (conflict.status !== 'open')
        return reply.code(409).send({ error: 'already_resolved', message: 'already resolved' });
      const field = conflict.field as keyof typeof CLIENT_FIELD;
      if (req.body.choice === 'incoming') {
        if (!(field in CLIENT_FIELD))
          return reply.code(422).send({ error: 'unsupported_field', message: 'unsupported field' });
        // An email belongs to one client: when another holds it, the answer is a merge of the two.
        const holder =
          field === 'email'
            ? await db.client.findFirst({
                where: { email: conflict.incomingValue, id: { not: conflict.clientId }, retiredAt: null },
                select: { id: true },
              })
            : null;
        if (holder)
          return reply.code(409).send({
            error: 'value_held_by_other_client',
            message: `client ${holder.id} already has this ${field}: merge the two clients if they are one person`,
            holderClientId: String(holder.id),
            merge: {
              path: '/api/sync/clients/merge',
              body: { into: String(conflict.clientId), from: String(holder.id) },
            },
          });
        await db.client.update({
          where: { id: conflict.clientId },
          data: {
            [CLIENT_FIELD[field]]: conflict.incomingValue,
            [SOURCE_FIELD[field]]: `${conflict.incomingSource}:${conflict.incomingSourceId}`,
          },
        });
      }
      const resolved = await db.mergeConflict.update({
        where: { id },
        data: {
          status: 'resolved',
          choice: req.body.choice,
          resolvedAt: new Date(),
          resolvedBy: req.user.sub,
        },
      });
      return { conflict: { ...resolved, id: String(resolved.id), clientId: String(resolved.clientId) } };
    },
  );
}
