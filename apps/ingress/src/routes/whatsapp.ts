import { JOBS, QUEUES } from '@cauce/queues';
import { bool } from '@cauce/runtime';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';
import { badRequest } from '../http/bad-request.ts';

/**
 * WhatsApp numbers registry admin (docs/whatsapp.md): list numbers (those without a queue
 * first of all), assign a queue, and trigger or follow a sync. worker-whatsapp owns the sync;
 * this only enqueues it and reads its result from BullMQ.
 */

const listQuery = z.object({
  /** Only active numbers without a queue (the ones whose conversations go nowhere). */
  unassigned: bool.optional(),
  active: z.enum(['true', 'false', 'all']).optional(),
});
const numberParams = z.object({ numberId: z.string().trim().min(1).max(100) });
const assignBody = z.object({ queueId: z.number().int().positive().nullable() });
const jobParams = z.object({ jobId: z.string().min(1).max(200) });

const numberSelect = {
  numberId: true,
  phoneNumber: true,
  displayName: true,
  wabaId: true,
  isActive: true,
  queue: { select: { id: true, name: true, isActive: true } },
  createdAt: true,
  updatedAt: true,
} as const;

export async function whatsappRoutes(app: FastifyInstance, { db, producer }: IngressDeps) {
  app.get('/api/whatsapp/numbers', { preHandler: app.requireRole('viewer') }, async (req, reply) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    const unassigned = q.data.unassigned === true;
    // Unassigned means "receives messages and has nowhere to send them": active unless asked otherwise.
    const active = q.data.active ?? (unassigned ? 'true' : 'all');
    const numbers = await db.crmWhatsappNumber.findMany({
      where: {
        ...(active === 'all' ? {} : { isActive: active === 'true' }),
        ...(unassigned ? { queueId: null } : {}),
      },
      select: numberSelect,
      orderBy: [{ displayName: 'asc' }, { numberId: 'asc' }],
    });
    return { count: numbers.length, numbers };
  });

  app.put(
    '/api/whatsapp/numbers/:numberId/queue',
    { preHandler: app.requireRole('admin') },
    async (req, reply) => {
      const p = numberParams.safeParse(req.params);
      if (!p.success) return badRequest(reply, p.error);
      const b = assignBody.safeParse(req.body);
      if (!b.success) return badRequest(reply, b.error);
      const { numberId } = p.data;
      const { queueId } = b.data;
      const number = await db.crmWhatsappNumber.findUnique({ where: { numberId } });
      if (!number)
        return reply.code(404).send({ error: 'not_found', message: `no WhatsApp number ${numberId}` });
      if (queueId !== null) {
        const queue = await db.crmQueue.findUnique({ where: { id: queueId } });
        if (!queue)
          return reply.code(422).send({ error: 'unknown_queue', message: `queue ${queueId} does not exist` });
        if (!queue.isActive)
          return reply.code(422).send({ error: 'inactive_queue', message: `queue ${queueId} is not active` });
      }
      // The foreign key still refuses a queue deleted since the check above.
      const updated = await db.crmWhatsappNumber.update({
        where: { numberId },
        data: { queueId },
        select: numberSelect,
      });
      req.log.info(
        { numberId, fromQueueId: number.queueId, toQueueId: queueId, by: req.user.sub },
        'whatsapp number queue assigned',
      );
      return updated;
    },
  );

  app.get('/api/whatsapp/queues', { preHandler: app.requireRole('viewer') }, async () => {
    const queues = await db.crmQueue.findMany({
      orderBy: { id: 'asc' },
      select: {
        id: true,
        name: true,
        isActive: true,
        createdAt: true,
        _count: { select: { numbers: { where: { isActive: true } } } },
      },
    });
    return {
      queues: queues.map(({ _count, ...q }) => ({ ...q, activeNumbers: _count.numbers })),
    };
  });

  app.post('/api/whatsapp/numbers/sync', { preHandler: app.requireRole('admin') }, async (req, reply) => {
    const job = await producer.add(QUEUES.whatsappNumbers, JOBS.whatsappNumbersSync, {
      trigger: 'manual',
      requestedBy: req.user.sub,
    });
    return reply.code(202).send({
      queued: true,
      jobId: job.id,
      statusUrl: `/api/whatsapp/numbers/sync/${encodeURIComponent(String(job.id))}`,
    });
  });

  /** A sync job's state and, once completed, its report (added, updated, repaired, …). */
  app.get(
    '/api/whatsapp/numbers/sync/:jobId',
    { preHandler: app.requireRole('viewer') },
    async (req, reply) => {
      const p = jobParams.safeParse(req.params);
      if (!p.success) return badRequest(reply, p.error);
      const queue = producer.queue(QUEUES.whatsappNumbers);
      // State first: a job read as finished already carries its result (both are set in one Redis script).
      const state = await queue.getJobState(p.data.jobId);
      const job = await queue.getJob(p.data.jobId);
      if (!job || job.name !== JOBS.whatsappNumbersSync)
        return reply.code(404).send({ error: 'not_found', message: `no sync job ${p.data.jobId}` });
      return {
        jobId: job.id,
        state,
        trigger: (job.data as { trigger?: string }).trigger,
        attemptsMade: job.attemptsMade,
        report: job.returnvalue ?? null,
        error: job.failedReason || null,
        finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
      };
    },
  );
}
