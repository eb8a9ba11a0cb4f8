import type { Prisma } from '@cauce/db';
import { isQueueName } from '@cauce/queues';
import { bool, QUEUE_STATES } from '@cauce/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type QueueCounts, readQueueStats } from '../../admin/queue-stats.ts';
import {
  type ReplayContext,
  type ReplayOutcome,
  replayFailure,
  replayFailuresSince,
  replayWebhookEvent,
  replayWebhookEventsWhere,
} from '../../admin/replay.ts';
import type { IngressDeps } from '../../context.ts';
import { AUTH, doc, errorReply, errors, numericId, VIEWER_AUTH } from '../../http/schemas.ts';

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
const idParams = z.object({ id: numericId });

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
/** [since, until) of a bulk replay. */
const replayWindow = (what: string) => ({
  since: z.iso.datetime({ offset: true }).describe(`replay ${what} at or after this time`),
  until: z.iso.datetime({ offset: true }).optional().describe('…and before this time (default: now)'),
});
// Zod still runs this when a field failed: only compare two valid times.
const untilAfterSince = (b: { since: string; until?: string }) =>
  !b.until || !(Date.parse(b.until) <= Date.parse(b.since));
const untilIssue = { message: 'until must be after since', path: ['until'] };
// An omitted body lists what is missing, like an empty one.
const bulkBody = z
  .object({ queue: queueName.optional(), ...replayWindow('dead letters failed') })
  .refine(untilAfterSince, untilIssue)
  .prefault({} as never);
const webhookBulkBody = z
  .object({
    provider: z.string().min(1).max(40).optional(),
    status: z
      .enum(['received', 'queued', 'processed', 'failed', 'ignored'])
      .optional()
      .describe('only events in this status (rejected events are never replayable)'),
    ...replayWindow('events received'),
  })
  .refine(untilAfterSince, untilIssue)
  .prefault({} as never);

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

const tags = ['admin'];

const REPLAY_STATUS: Record<Exclude<ReplayOutcome, { ok: true }>['reason'], number> = {
  not_found: 404,
  already_replayed: 409,
  not_replayable: 422,
  invalid_data: 422,
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function adminRoutes(scope: FastifyInstance, { db, producer, redis, config }: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
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
      preValidation: viewer,
      schema: {
        ...doc({ summary: 'Job counts per queue and state', tags, auth: 'viewer' }),
        response: {
          200: z
            .object({
              queues: z.array(queueStats),
              totals: z.record(z.enum(STATES), z.number().int()),
            })
            .describe('every queue in QUEUES'),
          503: errorReply.describe('Redis did not answer within ADMIN_QUEUE_TIMEOUT_MS'),
          ...VIEWER_AUTH,
        },
      },
    },
    async (_req, reply) => {
      try {
        const queues = await readQueueStats(producer, config.ADMIN_QUEUE_TIMEOUT_MS);
        const totals = Object.fromEntries(
          STATES.map((s) => [s, queues.reduce((n, q) => n + (q.counts[s] ?? 0), 0)]),
        ) as QueueCounts;
        return { queues, totals };
      } catch (err) {
        return reply.code(503).send({ error: 'queue_unavailable', message: (err as Error).message });
      }
    },
  );

  app.get(
    '/api/admin/webhooks/logs',
    {
      preValidation: viewer,
      schema: {
        ...doc({
          summary: 'Stored webhook events of every provider, newest first',
          description: 'Payload, headers and errors are redacted for viewers.',
          tags,
          auth: 'viewer',
        }),
        querystring: logsQuery,
        response: {
          200: z
            .object({ events: z.array(webhookEventView), nextCursor: z.string().nullable() })
            .describe('one page'),
          ...VIEWER_AUTH,
        },
      },
    },
    async (req) => {
      const { provider, status, limit: take, cursor: before } = req.query;
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
      preValidation: viewer,
      schema: {
        ...doc({
          summary: 'Dead letters (job_failures), newest first',
          description: 'Job data, errors and stacks are redacted for viewers.',
          tags,
          auth: 'viewer',
        }),
        querystring: failuresQuery,
        response: {
          200: z
            .object({ failures: z.array(failureView), nextCursor: z.string().nullable() })
            .describe('one page'),
          ...VIEWER_AUTH,
        },
      },
    },
    async (req) => {
      const { queue, replayed: wasReplayed, limit: take, cursor: before } = req.query;
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
    202: replayed.describe('enqueued'),
    ...errors({ 404: 'no such row', 503: 'Redis or PostgreSQL unavailable' }),
    ...AUTH,
  };

  app.post(
    '/api/admin/failures/:id/replay',
    {
      preValidation: admin,
      schema: {
        ...doc({
          summary: 'Replay one dead letter',
          description:
            "Records replayed_at and replay_job_id (and, for a webhook-event job, sets its event back to 'queued'), then adds the job again to its queue with the same job name and data and a new job id. A row replayed before answers 409 unless ?force=true.",
          tags,
          auth: 'admin',
        }),
        params: idParams,
        querystring: replayQuery,
        response: {
          ...replayResponses,
          409: errorReply.describe('replayed before (use ?force=true)'),
          422: errorReply.describe('the stored queue, job name or data cannot be enqueued'),
        },
      },
    },
    async (req, reply) => {
      try {
        const out = await replayFailure(replay, BigInt(req.params.id), { force: req.query.force ?? false });
        if (out.ok)
          req.log.info(
            { failureId: req.params.id, jobId: out.jobId, by: req.user.sub },
            'dead letter replayed',
          );
        return answerReplay(reply, out);
      } catch (err) {
        return unavailable(req, reply, err);
      }
    },
  );

  app.post(
    '/api/admin/failures/replay',
    {
      preValidation: admin,
      schema: {
        ...doc({
          summary: 'Replay every dead letter failed since a time',
          description:
            'Replays rows of the window (optionally one queue) that were never replayed, oldest first. Rows replayed before are counted and left alone, so repeating the call replays nothing new.',
          tags,
          auth: 'admin',
        }),
        body: bulkBody,
        response: {
          200: z
            .object({
              matched: z.number().int(),
              replayed: z.number().int(),
              alreadyReplayed: z.number().int(),
              notReplayable: z.number().int(),
              errors: z.array(z.object({ id: z.string(), reason: z.string(), message: z.string() })),
            })
            .describe('what happened'),
          503: errorReply.describe('Redis or PostgreSQL unavailable (rows replayed so far stay replayed)'),
          ...AUTH,
        },
      },
    },
    async (req, reply) => {
      try {
        const report = await replayFailuresSince(replay, {
          queue: req.body.queue,
          since: new Date(req.body.since),
          until: req.body.until ? new Date(req.body.until) : undefined,
        });
        req.log.info(
          { ...req.body, ...report, errors: report.errors.length, by: req.user.sub },
          'bulk replay',
        );
        return report;
      } catch (err) {
        return unavailable(req, reply, err);
      }
    },
  );

  app.post(
    '/api/admin/webhooks/:id/replay',
    {
      preValidation: admin,
      schema: {
        ...doc({
          summary: 'Replay a stored webhook event',
          description:
            "Sets the event's status back to 'queued' under a new job id, then enqueues it on its queue as a webhook-event job (mark first: the worker's settle is always the last write). An event whose job has not run yet, or is running and has not settled it, is left to that job: the answer names it and says leftToJob.",
          tags,
          auth: 'admin',
        }),
        params: idParams,
        response: {
          ...replayResponses,
          422: errorReply.describe('the event was never queued (rejected or ignored)'),
        },
      },
    },
    async (req, reply) => {
      try {
        const out = await replayWebhookEvent(replay, BigInt(req.params.id));
        if (out.ok)
          req.log.info(
            { webhookEventId: req.params.id, jobId: out.jobId, by: req.user.sub },
            'webhook replayed',
          );
        return answerReplay(reply, out);
      } catch (err) {
        return unavailable(req, reply, err);
      }
    },
  );

  app.post(
    '/api/admin/webhooks/replay',
    {
      preValidation: admin,
      schema: {
        ...doc({
          summary: 'Replay every stored webhook event matching a filter',
          description:
            "Replays the events received in [since, until), optionally of one provider and one status, oldest first, each as the single-event replay does (status 'queued' first, then a new job). Events whose job has yet to settle them are left to it (leftToJob); rejected events are counted as notReplayable. Repeating the call replays the matching events again.",
          tags,
          auth: 'admin',
        }),
        body: webhookBulkBody,
        response: {
          200: z
            .object({
              matched: z.number().int(),
              replayed: z.number().int(),
              leftToJob: z.number().int(),
              notReplayable: z.number().int(),
            })
            .describe('what happened'),
          503: errorReply.describe(
            "Redis or PostgreSQL unavailable (events replayed so far stay replayed; an event marked 'queued' whose add failed is enqueued by the redrive)",
          ),
          ...AUTH,
        },
      },
    },
    async (req, reply) => {
      try {
        const report = await replayWebhookEventsWhere(replay, {
          provider: req.body.provider,
          status: req.body.status,
          since: new Date(req.body.since),
          until: req.body.until ? new Date(req.body.until) : undefined,
        });
        req.log.info({ ...req.body, ...report, by: req.user.sub }, 'bulk webhook replay');
        return report;
      } catch (err) {
        return unavailable(req, reply, err);
      }
    },
  );
}
