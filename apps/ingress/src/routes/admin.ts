import type { Prisma } from '@cauce/db';
import { ALL_QUEUES, isQueueName } from '@cauce/queues';
import { bool, QUEUE_STATES } from '@cauce/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  type ReplayContext,
  type ReplayOutcome,
  replayFailure,
  replayFailuresSince,
  replayWebhookEvent,
  replayWebhookEventsWhere,
} from '../admin/replay.ts';
import type { IngressDeps } from '../context.ts';
import { badRequest as badRequestReply } from '../http/bad-request.ts';
import type { RouteDocs } from '../plugins/openapi.ts';
import { withTimeout } from '../with-timeout.ts';

/**
 * The operator API (docs/operations-admin.md): queue counts, the webhook inbox, dead letters and
 * replays. Reads need a viewer token (contact data and secrets masked for viewers by
 * plugins/viewer-view.ts) or an admin token (as stored); replays need an admin token. Lists are newest first with an opaque cursor.
 */

const STATES = QUEUE_STATES;

const cursor = z
  .string()
  .regex(/^\d{1,19}$/, 'a cursor from nextCursor')
  .optional()
  .describe('nextCursor of the previous page');
const limit = z.coerce.number().int().min(1).max(500).default(50);
const queueName = z.string().refine(isQueueName, 'one of the queues in QUEUES');
const idParams = z.object({ id: z.string().regex(/^\d{1,19}$/, 'a numeric id') });

const logsQuery = z.object({
  provider: z.string().min(1).max(40).optional(),
  status: z
    .string()
    .regex(/^[a-z_]{1,20}$/)
    .optional()
    .describe('received | queued | processed | failed | rejected | ignored'),
  limit,
  cursor,
});
const failuresQuery = z.object({
  queue: queueName.optional(),
  replayed: bool.optional().describe('true: only replayed rows; false: only rows never replayed'),
  limit,
  cursor,
});
const replayQuery = z.object({ force: bool.optional().describe('replay a row that was replayed before') });
const bulkBody = z
  .object({
    queue: queueName.optional(),
    since: z.iso.datetime({ offset: true }).describe('replay dead letters failed at or after this time'),
    until: z.iso.datetime({ offset: true }).optional().describe('…and before this time (default: now)'),
  })
  // Zod still runs this when a field failed: only compare two valid times.
  .refine((b) => !b.until || !(Date.parse(b.until) <= Date.parse(b.since)), {
    message: 'until must be after since',
    path: ['until'],
  });

const webhookBulkBody = z
  .object({
    provider: z.string().min(1).max(40).optional(),
    status: z
      .enum(['received', 'queued', 'processed', 'failed', 'ignored'])
      .optional()
      .describe('only events in this status (rejected events are never replayable)'),
    since: z.iso.datetime({ offset: true }).describe('replay events received at or after this time'),
    until: z.iso.datetime({ offset: true }).optional().describe('…and before this time (default: now)'),
  })
  .refine((b) => !b.until || !(Date.parse(b.until) <= Date.parse(b.since)), {
    message: 'until must be after since',
    path: ['until'],
  });

const error = z.object({ error: z.string(), message: z.string().optional() });
const badRequest = z.object({
  error: z.literal('bad_request'),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
});
const queueStats = z.object({
  name: z.string(),
  paused: z.boolean(),
  counts: z.record(z.enum(STATES), z.number().int()),
  oldestWaitingSeconds: z.number(),
});
const webhookEventView = z.object({
  id: z.string(),
  provider: z.string(),
  eventType: z.string(),
  dedupeKey: z.string(),
  entityId: z.string().nullable(),
  status: z.string(),
  queue: z.string().nullable(),
  jobId: z.string().nullable(),
  payload: z.unknown(),
  headers: z.unknown(),
  error: z.string().nullable(),
  attempts: z.number().int(),
  receivedAt: z.string(),
  enqueuedAt: z.string().nullable(),
  processedAt: z.string().nullable(),
});
const failureView = z.object({
  id: z.string(),
  queue: z.string(),
  jobName: z.string(),
  jobId: z.string().nullable(),
  data: z.unknown(),
  error: z.string(),
  stack: z.string().nullable(),
  attempts: z.number().int(),
  failedAt: z.string(),
  replayedAt: z.string().nullable(),
  replayJobId: z.string().nullable(),
});
const replayed = z.object({
  replayed: z.literal(true),
  jobId: z.string(),
  queue: z.string(),
  jobName: z.string(),
  leftToJob: z
    .boolean()
    .optional()
    .describe('webhook events only: its job had yet to settle it, so no second job was added'),
});

const auth = {
  401: { description: 'missing or invalid token', schema: error },
  403: { description: 'the token lacks the role', schema: error },
};
const docs = (d: Omit<RouteDocs, 'tags'>): { openapi: RouteDocs } => ({ openapi: { tags: ['admin'], ...d } });

const REPLAY_STATUS: Record<Exclude<ReplayOutcome, { ok: true }>['reason'], number> = {
  not_found: 404,
  already_replayed: 409,
  not_replayable: 422,
  invalid_data: 422,
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function adminRoutes(app: FastifyInstance, { db, producer, redis, config }: IngressDeps) {
  const replay: ReplayContext = {
    db,
    producer,
    redis,
    prefix: config.QUEUE_PREFIX,
    enqueueTimeoutMs: config.ADMIN_QUEUE_TIMEOUT_MS,
  };
  const viewer = app.requireRole('viewer');
  const admin = app.requireRole('admin');

  app.get(
    '/api/admin/queues/stats',
    {
      preHandler: viewer,
      config: docs({
        summary: 'Job counts per queue and state',
        auth: 'viewer',
        responses: {
          200: {
            description: 'every queue in QUEUES',
            schema: z.object({
              queues: z.array(queueStats),
              totals: z.record(z.enum(STATES), z.number().int()),
            }),
          },
          503: { description: 'Redis did not answer within ADMIN_QUEUE_TIMEOUT_MS', schema: error },
          ...auth,
        },
      }),
    },
    async (_req, reply) => {
      const now = Date.now();
      try {
        const queues = await withTimeout(
          Promise.all(
            ALL_QUEUES.map(async (name) => {
              const q = producer.queue(name);
              const [counts, paused, oldest] = await Promise.all([
                q.getJobCounts(...STATES),
                q.isPaused(),
                q.getJobs(['wait'], 0, 0, true),
              ]);
              const first = oldest[0];
              return {
                name,
                paused,
                counts: Object.fromEntries(STATES.map((s) => [s, counts[s] ?? 0])),
                oldestWaitingSeconds: first ? Math.max(0, (now - first.timestamp) / 1000) : 0,
              };
            }),
          ),
          config.ADMIN_QUEUE_TIMEOUT_MS,
        );
        const totals = Object.fromEntries(
          STATES.map((s) => [s, queues.reduce((n, q) => n + (q.counts[s] ?? 0), 0)]),
        );
        return { queues, totals };
      } catch (err) {
        return reply.code(503).send({ error: 'queue_unavailable', message: (err as Error).message });
      }
    },
  );

  app.get(
    '/api/admin/webhooks/logs',
    {
      preHandler: viewer,
      config: docs({
        summary: 'Stored webhook events of every provider, newest first',
        description: 'Payload, headers and errors are redacted for viewers.',
        auth: 'viewer',
        querystring: logsQuery,
        responses: {
          200: {
            description: 'one page',
            schema: z.object({ events: z.array(webhookEventView), nextCursor: z.string().nullable() }),
          },
          400: { description: 'invalid query', schema: badRequest },
          ...auth,
        },
      }),
    },
    async (req, reply) => {
      const q = logsQuery.safeParse(req.query);
      if (!q.success) return badRequestReply(reply, q.error);
      const { provider, status, limit: take, cursor: before } = q.data;
      const where: Prisma.WebhookEventWhereInput = {
        ...(provider ? { provider } : {}),
        ...(status ? { status } : {}),
        ...(before ? { id: { lt: BigInt(before) } } : {}),
      };
      const rows = await db.webhookEvent.findMany({ where, orderBy: { id: 'desc' }, take: take + 1 });
      const page = rows.slice(0, take);
      return {
        events: page.map((e) => ({
          id: String(e.id),
          provider: e.provider,
          eventType: e.eventType,
          dedupeKey: e.dedupeKey,
          entityId: e.entityId,
          status: e.status,
          queue: e.queue,
          jobId: e.jobId,
          payload: e.payload,
          headers: e.headers,
          error: e.error,
          attempts: e.attempts,
          receivedAt: e.receivedAt.toISOString(),
          enqueuedAt: iso(e.enqueuedAt),
          processedAt: iso(e.processedAt),
        })),
        nextCursor: rows.length > take ? String(page[page.length - 1]!.id) : null,
      };
    },
  );

  app.get(
    '/api/admin/failures',
    {
      preHandler: viewer,
      config: docs({
        summary: 'Dead letters (job_failures), newest first',
        description: 'Job data, errors and stacks are redacted for viewers.',
        auth: 'viewer',
        querystring: failuresQuery,
        responses: {
          200: {
            description: 'one page',
            schema: z.object({ failures: z.array(failureView), nextCursor: z.string().nullable() }),
          },
          400: { description: 'invalid query', schema: badRequest },
          ...auth,
        },
      }),
    },
    async (req, reply) => {
      const q = failuresQuery.safeParse(req.query);
      if (!q.success) return badRequestReply(reply, q.error);
      const { queue, replayed: wasReplayed, limit: take, cursor: before } = q.data;
      const where: Prisma.JobFailureWhereInput = {
        ...(queue ? { queue } : {}),
        ...(wasReplayed === undefined ? {} : { replayedAt: wasReplayed ? { not: null } : null }),
        ...(before ? { id: { lt: BigInt(before) } } : {}),
      };
      const rows = await db.jobFailure.findMany({ where, orderBy: { id: 'desc' }, take: take + 1 });
      const page = rows.slice(0, take);
      return {
        failures: page.map((f) => ({
          id: String(f.id),
          queue: f.queue,
          jobName: f.jobName,
          jobId: f.jobId,
          data: f.data,
          error: f.error,
          stack: f.stack,
          attempts: f.attempts,
          failedAt: f.failedAt.toISOString(),
          replayedAt: iso(f.replayedAt),
          replayJobId: f.replayJobId,
        })),
        nextCursor: rows.length > take ? String(page[page.length - 1]!.id) : null,
      };
    },
  );

  const answerReplay = (reply: FastifyReply, out: ReplayOutcome) =>
    out.ok
      ? reply.code(202).send({
          replayed: true,
          jobId: out.jobId,
          queue: out.queue,
          jobName: out.jobName,
          ...(out.leftToJob ? { leftToJob: true } : {}),
        })
      : reply.code(REPLAY_STATUS[out.reason]).send({ error: out.reason, message: out.message });
  const unavailable = (req: FastifyRequest, reply: FastifyReply, err: unknown) => {
    req.log.error({ err }, 'replay failed');
    return reply.code(503).send({ error: 'unavailable', message: 'could not enqueue the replay; try again' });
  };
  const replayResponses = {
    202: { description: 'enqueued', schema: replayed },
    400: { description: 'invalid id or query', schema: badRequest },
    404: { description: 'no such row', schema: error },
    503: { description: 'Redis or PostgreSQL unavailable', schema: error },
    ...auth,
  };

  app.post(
    '/api/admin/failures/:id/replay',
    {
      preHandler: admin,
      config: docs({
        summary: 'Replay one dead letter',
        description:
          "Records replayed_at and replay_job_id (and, for a webhook-event job, sets its event back to 'queued'), then adds the job again to its queue with the same job name and data and a new job id. A row replayed before answers 409 unless ?force=true.",
        auth: 'admin',
        params: idParams,
        querystring: replayQuery,
        responses: {
          ...replayResponses,
          409: { description: 'replayed before (use ?force=true)', schema: error },
          422: { description: 'the stored queue, job name or data cannot be enqueued', schema: error },
        },
      }),
    },
    async (req, reply) => {
      const p = idParams.safeParse(req.params);
      if (!p.success) return badRequestReply(reply, p.error);
      const q = replayQuery.safeParse(req.query);
      if (!q.success) return badRequestReply(reply, q.error);
      try {
        const out = await replayFailure(replay, BigInt(p.data.id), { force: q.data.force ?? false });
        if (out.ok)
          req.log.info({ failureId: p.data.id, jobId: out.jobId, by: req.user.sub }, 'dead letter replayed');
        return answerReplay(reply, out);
      } catch (err) {
        return unavailable(req, reply, err);
      }
    },
  );

  app.post(
    '/api/admin/failures/replay',
    {
      preHandler: admin,
      config: docs({
        summary: 'Replay every dead letter failed since a time',
        description:
          'Replays rows of the window (optionally one queue) that were never replayed, oldest first. Rows replayed before are counted and left alone, so repeating the call replays nothing new.',
        auth: 'admin',
        body: bulkBody,
        responses: {
          200: {
            description: 'what happened',
            schema: z.object({
              matched: z.number().int(),
              replayed: z.number().int(),
              alreadyReplayed: z.number().int(),
              notReplayable: z.number().int(),
              errors: z.array(z.object({ id: z.string(), reason: z.string(), message: z.string() })),
            }),
          },
          400: { description: 'invalid body', schema: badRequest },
          503: {
            description: 'Redis or PostgreSQL unavailable (rows replayed so far stay replayed)',
            schema: error,
          },
          ...auth,
        },
      }),
    },
    async (req, reply) => {
      const b = bulkBody.safeParse(req.body ?? {});
      if (!b.success) return badRequestReply(reply, b.error);
      try {
        const report = await replayFailuresSince(replay, {
          queue: b.data.queue,
          since: new Date(b.data.since),
          until: b.data.until ? new Date(b.data.until) : undefined,
        });
        req.log.info({ ...b.data, ...report, errors: report.errors.length, by: req.user.sub }, 'bulk replay');
        return report;
      } catch (err) {
        return unavailable(req, reply, err);
      }
    },
  );

  app.post(
    '/api/admin/webhooks/:id/replay',
    {
      preHandler: admin,
      config: docs({
        summary: 'Replay a stored webhook event',
        description:
          "Sets the event's status back to 'queued' under a new job id, then enqueues it on its queue as a webhook-event job (mark first: the worker's settle is always the last write). An event whose job has not run yet, or is running and has not settled it, is left to that job: the answer names it and says leftToJob.",
        auth: 'admin',
        params: idParams,
        responses: {
          ...replayResponses,
          422: { description: 'the event was never queued (rejected or ignored)', schema: error },
        },
      }),
    },
    async (req, reply) => {
      const p = idParams.safeParse(req.params);
      if (!p.success) return badRequestReply(reply, p.error);
      try {
        const out = await replayWebhookEvent(replay, BigInt(p.data.id));
        if (out.ok)
          req.log.info({ webhookEventId: p.data.id, jobId: out.jobId, by: req.user.sub }, 'webhook replayed');
        return answerReplay(reply, out);
      } catch (err) {
        return unavailable(req, reply, err);
      }
    },
  );

  app.post(
    '/api/admin/webhooks/replay',
    {
      preHandler: admin,
      config: docs({
        summary: 'Replay every stored webhook event matching a filter',
        description:
          "Replays the events received in [since, until), optionally of one provider and one status, oldest first, each as the single-event replay does (status 'queued' first, then a new job). Events whose job has yet to settle them are left to it (leftToJob); rejected events are counted as notReplayable. Repeating the call replays the matching events again.",
        auth: 'admin',
        body: webhookBulkBody,
        responses: {
          200: {
            description: 'what happened',
            schema: z.object({
              matched: z.number().int(),
              replayed: z.number().int(),
              leftToJob: z.number().int(),
              notReplayable: z.number().int(),
            }),
          },
          400: { description: 'invalid body', schema: badRequest },
          503: {
            description:
              "Redis or PostgreSQL unavailable (events replayed so far stay replayed; an event marked 'queued' whose add failed is enqueued by the redrive)",
            schema: error,
          },
          ...auth,
        },
      }),
    },
    async (req, reply) => {
      const b = webhookBulkBody.safeParse(req.body ?? {});
      if (!b.success) return badRequestReply(reply, b.error);
      try {
        const report = await replayWebhookEventsWhere(replay, {
          provider: b.data.provider,
          status: b.data.status,
          since: new Date(b.data.since),
          until: b.data.until ? new Date(b.data.until) : undefined,
        });
        req.log.info({ ...b.data, ...report, by: req.user.sub }, 'bulk webhook replay');
        return report;
      } catch (err) {
        return unavailable(req, reply, err);
      }
    },
  );
}
