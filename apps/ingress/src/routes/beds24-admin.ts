import type { Prisma } from '@cauce/db';
import { JOBS, QUEUES } from '@cauce/queues';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';

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
  .refine((p) => p.from <= p.to, { message: 'from must not be after to' });

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

export async function beds24AdminRoutes(app: FastifyInstance, deps: IngressDeps) {
  const { db, producer } = deps;

  app.post('/api/admin/beds24/backfill', { preHandler: app.requireRole('admin') }, async (req, reply) => {
    const parsed = backfillBody.safeParse(req.body ?? {});
    if (!parsed.success)
      return reply.code(400).send({
        error: 'invalid_body',
        issues: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
      });
    const run = await db.syncRun.create({
      data: {
        source: 'beds24',
        kind: 'backfill',
        status: 'queued',
        params: parsed.data as Prisma.InputJsonValue,
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
    req.log.info({ runId, params: parsed.data, by: req.user?.sub }, 'Beds24 backfill queued');
    return reply.code(202).send({ runId, jobId: job.id, status: run.status });
  });

  app.get(
    '/api/admin/beds24/backfill/:runId',
    { preHandler: app.requireRole('viewer') },
    async (req, reply) => {
      const { runId } = req.params as { runId: string };
      if (!/^\d+$/.test(runId)) return reply.code(400).send({ error: 'invalid_run_id' });
      const run = await db.syncRun.findFirst({
        where: { id: BigInt(runId), source: 'beds24', kind: 'backfill' },
      });
      if (!run) return reply.code(404).send({ error: 'not_found' });
      return runView(run);
    },
  );
}
