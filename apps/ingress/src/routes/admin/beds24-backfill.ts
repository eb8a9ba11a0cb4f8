import type { Prisma } from '@cauce/db';
import { JOBS, QUEUES } from '@cauce/queues';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../../context.ts';
import { AUTH, doc, errors, numericId, VIEWER_AUTH } from '../../http/schemas.ts';

/**
 * Beds24 backfill ("sync masivo"): POST creates a sync_runs row and queues a beds24-backfill job
 * that worker-bookings runs page by page (resumable from the run's checkpoint); GET shows progress.
 */
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const backfillBody = z
  .object({
    from: day,
    to: day,
    propertyId: z
      .union([z.string().regex(/^\d+$/), z.number().int().positive()])
      .transform(String)
      .optional(),
    by: z.enum(['arrival', 'modified']).default('arrival'),
  })
  .refine((p) => p.from <= p.to, { message: 'from must not be after to' })
  // An empty POST lists what is missing, like an empty object.
  .prefault({} as never);
const runParams = z.object({ runId: numericId });
const runResponse = z.object({
  runId: z.string(),
  status: z.string(),
  params: z.unknown(),
  processed: z.number().int(),
  total: z.number().int().nullable(),
  counters: z.unknown(),
  checkpoint: z.unknown(),
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
const tags = ['admin'];

const runView = (r: {
  id: bigint;
  status: string;
  params: unknown;
  processed: number;
  total: number | null;
  counters: unknown;
  checkpoint: unknown;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}) => ({
  runId: r.id.toString(),
  status: r.status,
  params: r.params,
  processed: r.processed,
  total: r.total,
  counters: r.counters,
  checkpoint: r.checkpoint,
  error: r.error,
  startedAt: r.startedAt.toISOString(),
  finishedAt: r.finishedAt?.toISOString() ?? null,
});

export async function beds24AdminRoutes(scope: FastifyInstance, deps: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { db, producer } = deps;

  const startSchema = {
    ...doc({
      summary: 'Start a Beds24 backfill ("sync masivo") of the bookings in a date range',
      description: 'worker-bookings runs it page by page, resumable from the run checkpoint.',
      tags,
      auth: 'admin',
    }),
    body: backfillBody,
    response: {
      202: z
        .object({ runId: z.string(), jobId: z.string(), status: z.string() })
        .describe('queued: follow /api/admin/beds24/backfill/{runId}'),
      ...AUTH,
    },
  };
  app.post(
    '/api/admin/beds24/backfill',
    { preValidation: app.requireRole('admin'), schema: startSchema },
    async (req, reply) => {
      const run = await db.syncRun.create({
        data: {
          source: 'beds24',
          kind: 'backfill',
          status: 'queued',
          params: req.body as Prisma.InputJsonValue,
          checkpoint: { page: 1 },
        },
      });
      const runId = run.id.toString();
      const job = await producer.add(
        QUEUES.beds24Backfill,
        JOBS.beds24Backfill,
        { runId },
        { jobId: `beds24-backfill-${runId}` },
      );
      req.log.info({ runId, params: req.body, by: req.user?.sub }, 'Beds24 backfill queued');
      return reply.code(202).send({ runId, jobId: String(job.id), status: run.status });
    },
  );

  const runSchema = {
    ...doc({ summary: "A Beds24 backfill run's progress", tags, auth: 'viewer' }),
    params: runParams,
    response: { 200: runResponse.describe('the run'), ...errors({ 404: 'no such run' }), ...VIEWER_AUTH },
  };
  app.get(
    '/api/admin/beds24/backfill/:runId',
    { preValidation: app.requireRole('viewer'), schema: runSchema },
    async (req, reply) => {
      const { runId } = req.params;
      const run = await db.syncRun.findFirst({
        where: { id: BigInt(runId), source: 'beds24', kind: 'backfill' },
      });
      if (!run) return reply.code(404).send({ error: 'not_found', message: 'not found' });
      return runView(run);
    },
  );
}
