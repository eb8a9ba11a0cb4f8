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
const queueBody = z.object({ name: z.string().trim().min(1).max(120) });
const syncBody = z
  .object({ dryRun: z.boolean().default(false).describe('compute the report and change nothing') })
  .prefault({});
const syncsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });
/** Generated ids of rows registered before Meta's id was known (worker-whatsapp's GENERATED_ID_PREFIX, which repairs them). */
const GENERATED_ID_PREFIX = 'wsp-';

const numberSelect = {
  numberId: true,
  phoneNumber: true,
  displayName: true,
  wabaId: true,
  isActive: true,
  queue: { select: { id: true, name: true, isActive: true } },
  repairedAt: true,
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
  state: z
    .enum(['active', 'repaired', 'unassigned', 'needs_repair', 'inactive'])
    .describe(
      'inactive; needs_repair: still a generated wsp- id; unassigned: active without a queue; repaired: a sync fixed its id or queue; active',
    ),
  repairedAt: storedTime.nullable(),
  createdAt: storedTime,
  updatedAt: storedTime,
});
const tags = ['whatsapp'];

type NumberRow = {
  numberId: string;
  isActive: boolean;
  queue: { id: number } | null;
  repairedAt: Date | null;
};
/** One state per number, the most urgent first: what the operator has to do about it. */
export function numberState(n: NumberRow): z.output<typeof numberView>['state'] {
  if (!n.isActive) return 'inactive';
  if (n.numberId.startsWith(GENERATED_ID_PREFIX)) return 'needs_repair';
  if (!n.queue) return 'unassigned';
  return n.repairedAt ? 'repaired' : 'active';
}
const withState = <N extends NumberRow>(n: N) => ({ ...n, state: numberState(n) });

const syncView = z.object({
  jobId: z.string(),
  state: z.string(),
  trigger: z.string().optional(),
  dryRun: z.boolean(),
  attemptsMade: z.number().int(),
  progress: z
    .object({ done: z.number().int(), total: z.number().int() })
    .nullable()
    .describe('entries of the connections file applied so far (null until the worker starts it)'),
  report: z.unknown().describe('added, updated, repaired, … (null until completed)'),
  error: z.string().nullable(),
  requestedAt: z.string(),
  finishedAt: z.string().nullable(),
});
type SyncJob = {
  id?: string;
  data: unknown;
  attemptsMade: number;
  returnvalue: unknown;
  progress: unknown;
  failedReason?: string;
  timestamp: number;
  finishedOn?: number;
};
/** The worker's {done, total} (job.updateProgress); anything else, or nothing yet, is null. */
function progressOf(p: unknown): { done: number; total: number } | null {
  const v = p as { done?: unknown; total?: unknown } | null;
  return v && Number.isInteger(v.done) && Number.isInteger(v.total)
    ? { done: v.done as number, total: v.total as number }
    : null;
}
const syncJobView = (job: SyncJob, state: string): z.output<typeof syncView> => {
  const data = job.data as { trigger?: string; dryRun?: boolean };
  return {
    jobId: String(job.id),
    state,
    trigger: data.trigger,
    dryRun: data.dryRun === true,
    attemptsMade: job.attemptsMade,
    progress: progressOf(job.progress),
    report: job.returnvalue ?? null,
    error: job.failedReason || null,
    requestedAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
};

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
    return { count: numbers.length, numbers: numbers.map(withState) };
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
      return withState(updated);
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

  const createQueueSchema = {
    ...doc({ summary: 'Create a CRM queue (then assign numbers to it)', tags, auth: 'admin' }),
    body: queueBody,
    response: {
      201: z
        .object({ id: z.number().int(), name: z.string(), isActive: z.boolean(), createdAt: storedTime })
        .describe('the queue'),
      ...errors({ 409: 'an active queue already has this name' }),
      ...AUTH,
    },
  };
  app.post(
    '/api/whatsapp/queues',
    { preValidation: admin, schema: createQueueSchema },
    async (req, reply) => {
      const name = req.body.name;
      const same = await db.crmQueue.findFirst({
        where: { name: { equals: name, mode: 'insensitive' }, isActive: true },
      });
      if (same)
        return reply.code(409).send({
          error: 'queue_exists',
          message: `queue ${same.id} is already named "${same.name}"`,
          id: same.id,
        });
      const queue = await db.crmQueue.create({
        data: { name },
        select: { id: true, name: true, isActive: true, createdAt: true },
      });
      req.log.info({ queueId: queue.id, by: req.user.sub }, 'crm queue created');
      return reply.code(201).send(queue);
    },
  );

  const syncSchema = {
    ...doc({
      summary: 'Sync the numbers from WhatsApp now (worker-whatsapp runs it)',
      description: '`{"dryRun": true}`: the report of what it would change, with nothing changed.',
      tags,
      auth: 'admin',
    }),
    body: syncBody,
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
      ...(req.body.dryRun ? { dryRun: true } : {}),
    });
    return reply.code(202).send({
      queued: true as const,
      jobId: String(job.id),
      statusUrl: `/api/whatsapp/numbers/sync/${encodeURIComponent(String(job.id))}`,
    });
  });

  const syncsSchema = {
    ...doc({
      summary: 'The last sync reports (finished, running and waiting syncs), newest first',
      description: 'As kept by BullMQ: the last 200 finished and 200 failed syncs.',
      tags,
      auth: 'viewer',
    }),
    querystring: syncsQuery,
    response: {
      200: z.object({ syncs: z.array(syncView) }).describe('the syncs'),
      ...VIEWER_AUTH,
    },
  };
  app.get('/api/whatsapp/numbers/syncs', { preValidation: viewer, schema: syncsSchema }, async (req) => {
    const queue = producer.queue(QUEUES.whatsappNumbers);
    const states = ['active', 'waiting', 'completed', 'failed'] as const;
    const lists = await Promise.all(
      states.map(async (state) => ({
        state,
        jobs: await queue.getJobs([state], 0, req.query.limit - 1, false),
      })),
    );
    const syncs = lists
      .flatMap(({ state, jobs }) =>
        jobs
          .filter((j) => j && j.name === JOBS.whatsappNumbersSync)
          .map((j) => syncJobView(j as SyncJob, state)),
      )
      .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt) || b.jobId.localeCompare(a.jobId))
      .slice(0, req.query.limit);
    return { syncs };
  });

  /** A sync job's state and, once completed, its report (added, updated, repaired, …). */
  const syncStatusSchema = {
    ...doc({ summary: "A sync job's state and, once completed, its report", tags, auth: 'viewer' }),
    params: jobParams,
    response: {
      200: syncView.describe('the job'),
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
      return syncJobView(job as SyncJob, state);
    },
  );
}
