import { JOBS, QUEUES } from '@cauce/queues';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../../context.ts';
import { AUTH, doc } from '../../http/schemas.ts';

const syncSchema = {
  ...doc({ summary: 'Run the SIIGO stock sync now', tags: ['stock'], auth: 'admin' }),
  response: {
    202: z.object({ queued: z.literal(true), jobId: z.string() }).describe('queued'),
    ...AUTH,
  },
};

export async function stockSyncRoutes(scope: FastifyInstance, { producer }: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const admin = app.requireRole('admin');
  /** Runs a sync now (the scheduler's job, queued once more; the worker's lock prevents overlap). */
  app.post('/api/stock/sync', { preValidation: admin, schema: syncSchema }, async (_req, reply) => {
    const job = await producer.add(
      QUEUES.siigoSync,
      JOBS.siigoScheduledSync,
      { trigger: 'manual' },
      { jobId: `manual-${Date.now()}` },
    );
    return reply.code(202).send({ queued: true as const, jobId: String(job.id) });
  });
}
