import { JOBS, QUEUES } from '@cauce/queues';
import { bool } from '@cauce/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';
import { AUTH, doc, errors, storedTime, VIEWER_AUTH } from '../http/schemas.ts';

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

const numberView = z.object({
  numberId: z.string(),
  phoneNumber: z.string(),
  displayName: z.string(),
  wabaId: z.string().nullable(),
  isActive: z.boolean(),
  queue: z.object({ id: z.number().int(), name: z.string(), isActive: z.boolean() }).nullable(),
  createdAt: storedTime,
  updatedAt: storedTime,
});
const tags = ['whatsapp'];

export async function whatsappRoutes(scope: FastifyInstance, { db, producer }: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const viewer = app.requireRole('viewer');
  const admin = app.requireRole('admin');

  const listSchema = {
    ...doc({
      summary: 'WhatsApp numbers, by display name',
      description: '`unassigned=true`: only active numbers without a queue (their conversations go nowhere).',
      tags,
      auth: 'viewer',
    }),
    querystring: listQuery,
    response: {
      200: z.object({ count: z.number().int(), numbers: z.array(numberView) }).describe('the numbers'),
      ...VIEWER_AUTH,
    },
  };
  app.get('/api/whatsapp/numbers', { preValidation: viewer, schema: listSchema }, async (req) => {
    const unassigned = req.query.unassigned === true;
    // Unassigned means "receives messages and has nowhere to send them": active unless asked otherwise.
    const active = req.query.active ?? (unassigned ? 'true' : 'all');
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

  const assignSchema = {
    ...doc({ summary: "Assign a number's CRM queue (null: none)", tags, auth: 'admin' }),
    params: numberParams,
    body: assignBody,
    response: {
      200: numberView.describe('the number as updated'),
      ...errors({ 404: 'no such number', 422: 'the queue does not exist or is not active' }),
      ...AUTH,
    },
  };
  app.put(
    '/api/whatsapp/numbers/:numberId/queue',
    { preValidation: admin, schema: assignSchema },
    async (req, reply) => {
      const { numberId } = req.params;
      const { queueId } = req.body;
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

  const queuesSchema = {
    ...doc({ summary: 'CRM queues, with their count of active numbers', tags, auth: 'viewer' }),
    response: {
      200: z
        .object({
          queues: z.array(
            z.object({
              id: z.number().int(),
              name: z.string(),
              isActive: z.boolean(),
              createdAt: storedTime,
              activeNumbers: z.number().int(),
            }),
          ),
        })
        .describe('every queue'),
      ...VIEWER_AUTH,
    },
  };
  app.get('/api/whatsapp/queues', { preValidation: viewer, schema: queuesSchema }, async () => {
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

  const syncSchema = {
    ...doc({ summary: 'Sync the numbers from WhatsApp now (worker-whatsapp runs it)', tags, auth: 'admin' }),
    response: {
      202: z
        .object({ queued: z.literal(true), jobId: z.string(), statusUrl: z.string() })
        .describe('queued: follow statusUrl'),
      ...AUTH,
    },
  };
  app.post('/api/whatsapp/numbers/sync', { preValidation: admin, schema: syncSchema }, async (req, reply) => {
    const job = await producer.add(QUEUES.whatsappNumbers, JOBS.whatsappNumbersSync, {
      trigger: 'manual',
      requestedBy: req.user.sub,
    });
    return reply.code(202).send({
      queued: true as const,
      jobId: String(job.id),
      statusUrl: `/api/whatsapp/numbers/sync/${encodeURIComponent(String(job.id))}`,
    });
  });

  /** A sync job's state and, once completed, its report (added, updated, repaired, …). */
  const syncStatusSchema = {
    ...doc({ summary: "A sync job's state and, once completed, its report", tags, auth: 'viewer' }),
    params: jobParams,
    response: {
      200: z
        .object({
          jobId: z.string(),
          state: z.string(),
          trigger: z.string().optional(),
          attemptsMade: z.number().int(),
          report: z.unknown().describe('added, updated, repaired, … (null until completed)'),
          error: z.string().nullable(),
          finishedAt: z.string().nullable(),
        })
        .describe('the job'),
      ...errors({ 404: 'no such sync job' }),
      ...VIEWER_AUTH,
    },
  };
  app.get(
    '/api/whatsapp/numbers/sync/:jobId',
    { preValidation: viewer, schema: syncStatusSchema },
    async (req, reply) => {
      const queue = producer.queue(QUEUES.whatsappNumbers);
      // State first: a job read as finished already carries its result (both are set in one Redis script).
      const state = await queue.getJobState(req.params.jobId);
      const job = await queue.getJob(req.params.jobId);
      if (!job || job.name !== JOBS.whatsappNumbersSync)
        return reply.code(404).send({ error: 'not_found', message: `no sync job ${req.params.jobId}` });
      return {
        jobId: String(job.id),
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
