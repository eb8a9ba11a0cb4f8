import type { Db } from '@cauce/db';
import {
  isJobName,
  isQueueName,
  isWebhookQueue,
  JOB_TYPES,
  JOBS,
  type Producer,
  toJobId,
  type WebhookQueue,
} from '@cauce/queues';
import type { RedisConnection } from '@cauce/runtime';
import { ZodError } from 'zod';
import { addJobs, type StoredEvent } from '../webhooks/enqueue.ts';
import { jobPresence } from '../webhooks/job-presence.ts';
import { withTimeout } from '../with-timeout.ts';

/**
 * Replays: dead letters (job_failures) back onto their queue with the same job name and data,
 * and stored webhooks (webhook_events) back onto their queue as a webhook-event job.
 *
 * Every replay marks first, then enqueues: the row says 'replayed' / 'queued' before its job can
 * run, so the worker's settle is always the last write and a replay can never overwrite it. An add
 * that fails (Redis down, timeout) leaves a webhook row 'queued' with a job id that does not exist:
 * the redrive adds that job (same id) once Redis answers. A dead letter of another kind is unmarked
 * again when its add fails; a crash between the mark and the add leaves it marked with a
 * replay_job_id that names no job (replay it with ?force=true).
 *
 * A dead letter's first replay uses the job id `replay-<failureId>`: the conditional mark lets
 * exactly one of two concurrent replays of the same row enqueue it. A forced replay gets a fresh id.
 */

export interface ReplayContext {
  db: Db;
  producer: Producer;
  /** Redis and BullMQ prefix, to see whether an event's job is still to run. */
  redis: RedisConnection;
  prefix: string;
  /** How long one add may wait for Redis before the replay fails (the caller answers 503). */
  enqueueTimeoutMs: number;
}

export type ReplayOutcome =
  | {
      ok: true;
      jobId: string;
      queue: string;
      jobName: string;
      /** A webhook event whose job had yet to settle it: left to that job, nothing new enqueued. */
      leftToJob?: boolean;
    }
  | {
      ok: false;
      reason: 'not_found' | 'already_replayed' | 'not_replayable' | 'invalid_data';
      message: string;
    };

interface FailureRow {
  id: bigint;
  queue: string;
  jobName: string;
  data: unknown;
  replayedAt: Date | null;
}

/** Why a dead letter cannot be enqueued as stored (checked before anything is marked), or null. */
function unreplayable(row: FailureRow): Extract<ReplayOutcome, { ok: false }> | null {
  if (
    !isQueueName(row.queue) ||
    !isJobName(row.jobName) ||
    !(JOB_TYPES[row.jobName].queues as readonly string[]).includes(row.queue)
  )
    return {
      ok: false,
      reason: 'not_replayable',
      message: `unknown queue or job name, or a job not of that queue (${row.queue} / ${row.jobName})`,
    };
  const parsed = JOB_TYPES[row.jobName].schema.safeParse(row.data);
  if (!parsed.success)
    return {
      ok: false,
      reason: 'invalid_data',
      message: `the stored job data does not match the ${row.jobName} schema: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
    };
  return null;
}

/** The webhook event a dead letter's job handles, if it is a webhook-event job. */
const webhookEventOf = (row: FailureRow): bigint | null => {
  if (row.jobName !== JOBS.webhookEvent) return null;
  const id = (row.data as { webhookEventId?: unknown } | null)?.webhookEventId;
  return typeof id === 'string' && /^\d{1,19}$/.test(id) ? BigInt(id) : null;
};

/**
 * Marks dead letters replayed (only rows still unreplayed, unless `force`) and, for webhook-event
 * jobs, their events 'queued' under the replay's job id, in one transaction; returns the ids marked.
 */
async function markFailures(
  ctx: ReplayContext,
  rows: readonly FailureRow[],
  jobIdOf: (row: FailureRow) => string,
  force: boolean,
): Promise<Set<bigint>> {
  return ctx.db.$transaction(async (tx) => {
    const marked = new Set<bigint>();
    for (const row of rows) {
      const m = await tx.jobFailure.updateMany({
        where: force ? { id: row.id } : { id: row.id, replayedAt: null },
        data: { replayedAt: new Date(), replayJobId: jobIdOf(row) },
      });
      if (!m.count) continue;
      marked.add(row.id);
      const eventId = webhookEventOf(row);
      if (eventId !== null)
        await tx.webhookEvent.updateMany({
          where: { id: eventId },
          data: {
            status: 'queued',
            jobId: jobIdOf(row),
            queue: row.queue,
            enqueuedAt: new Date(),
            error: null,
          },
        });
    }
    return marked;
  });
}

/**
 * Adds marked dead letters' jobs. When Redis fails, rows that are not webhook-event jobs are
 * unmarked again (webhook-event ones are left to the redrive, which adds their job), and the
 * error is rethrown: the caller answers 503.
 */
async function enqueueFailures(
  ctx: ReplayContext,
  rows: readonly FailureRow[],
  jobIdOf: (row: FailureRow) => string,
): Promise<void> {
  try {
    await withTimeout(
      Promise.all(
        rows.map((row) => ctx.producer.addStored(row.queue, row.jobName, row.data, { jobId: jobIdOf(row) })),
      ),
      ctx.enqueueTimeoutMs,
    );
  } catch (err) {
    const undo = rows.filter((r) => webhookEventOf(r) === null);
    for (const row of undo)
      await ctx.db.jobFailure
        .updateMany({
          where: { id: row.id, replayJobId: jobIdOf(row) },
          data: { replayedAt: null, replayJobId: null },
        })
        .catch(() => {});
    throw err instanceof ZodError ? new Error(err.message) : err;
  }
}

const firstReplayJobId = (id: bigint) => toJobId(`replay-${id}`);

/** Replays one dead letter. Without `force`, a row already replayed is refused. */
export async function replayFailure(
  ctx: ReplayContext,
  id: bigint,
  { force = false }: { force?: boolean } = {},
): Promise<ReplayOutcome> {
  const { db } = ctx;
  const row = await db.jobFailure.findUnique({
    where: { id },
    select: { id: true, queue: true, jobName: true, data: true, replayedAt: true },
  });
  if (!row) return { ok: false, reason: 'not_found', message: `job failure ${id} not found` };
  if (row.replayedAt && !force)
    return {
      ok: false,
      reason: 'already_replayed',
      message: `replayed at ${row.replayedAt.toISOString()}; add ?force=true to replay again`,
    };
  const bad = unreplayable(row);
  if (bad) return bad;
  const jobId = row.replayedAt ? toJobId(`replay-${id}-${Date.now()}`) : firstReplayJobId(id);
  const marked = await markFailures(ctx, [row], () => jobId, force);
  if (!marked.size)
    return { ok: false, reason: 'already_replayed', message: 'replayed concurrently by another request' };
  await enqueueFailures(ctx, [row], () => jobId);
  return { ok: true, jobId, queue: row.queue, jobName: row.jobName };
}

export interface BulkReplayFilter {
  queue?: string;
  since: Date;
  until?: Date;
}

export interface BulkReplayReport {
  /** Dead letters in the window (replayed before or not). */
  matched: number;
  replayed: number;
  alreadyReplayed: number;
  /** Rows whose queue, job name or data cannot be enqueued as stored. */
  notReplayable: number;
  errors: Array<{ id: string; reason: string; message: string }>;
}

const BULK_PAGE = 500;
const BULK_PARALLEL = 50;

/**
 * "Recover everything since T": replays every dead letter failed in [since, until) that was never
 * replayed, oldest first. Rows replayed before are counted and left alone, so running it twice
 * replays nothing the second time.
 */
export async function replayFailuresSince(
  ctx: ReplayContext,
  filter: BulkReplayFilter,
): Promise<BulkReplayReport> {
  const { db } = ctx;
  const window = {
    failedAt: { gte: filter.since, ...(filter.until ? { lt: filter.until } : {}) },
    ...(filter.queue ? { queue: filter.queue } : {}),
  };
  const [matched, replayedBefore] = await Promise.all([
    db.jobFailure.count({ where: window }),
    db.jobFailure.count({ where: { ...window, replayedAt: { not: null } } }),
  ]);
  const report: BulkReplayReport = {
    matched,
    replayed: 0,
    alreadyReplayed: replayedBefore,
    notReplayable: 0,
    errors: [],
  };
  // Rows this run could not enqueue stay unreplayed; the id cursor walks past them.
  let after = 0n;
  for (;;) {
    const rows = await db.jobFailure.findMany({
      where: { ...window, replayedAt: null, id: { gt: after } },
      orderBy: { id: 'asc' },
      take: BULK_PAGE,
      select: { id: true, queue: true, jobName: true, data: true, replayedAt: true },
    });
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    for (let i = 0; i < rows.length; i += BULK_PARALLEL) {
      const chunk = rows.slice(i, i + BULK_PARALLEL);
      const ok: FailureRow[] = [];
      for (const row of chunk) {
        const bad = unreplayable(row);
        if (!bad) ok.push(row);
        else {
          report.notReplayable++;
          if (report.errors.length < 100)
            report.errors.push({ id: String(row.id), reason: bad.reason, message: bad.message });
        }
      }
      const jobIdOf = (row: FailureRow) => firstReplayJobId(row.id);
      const marked = await markFailures(ctx, ok, jobIdOf, false);
      // Fewer marked than asked: a concurrent replay marked them first (and enqueues them).
      report.alreadyReplayed += ok.length - marked.size;
      const mine = ok.filter((r) => marked.has(r.id));
      await enqueueFailures(ctx, mine, jobIdOf);
      report.replayed += mine.length;
    }
  }
  return report;
}

interface EventRow {
  id: bigint;
  provider: string;
  eventType: string;
  entityId: string | null;
  queue: string | null;
  jobId: string | null;
}

/**
 * Replays stored webhook events, mark first: each row is set 'queued' under a fresh job id, then
 * the jobs are added. An event whose current job is still to run or running, and that the job has
 * not settled yet, is left to that job (it will settle it; a second job could run the handler for
 * the same event twice at once); the conditional UPDATE decides against the row as it is then.
 * One presence check (a pipeline), one UPDATE and one addBulk per queue for the whole batch.
 */
async function replayEvents(
  ctx: ReplayContext,
  rows: readonly (EventRow & { queue: WebhookQueue })[],
): Promise<{ enqueued: StoredEvent[]; leftToJob: Array<{ id: bigint; jobId: string }> }> {
  const withJob = rows.filter((r) => r.jobId !== null) as Array<
    EventRow & { queue: WebhookQueue; jobId: string }
  >;
  const presence = await withTimeout(
    jobPresence(
      ctx.redis,
      ctx.prefix,
      withJob.map((r) => ({ queue: r.queue, jobId: r.jobId })),
    ),
    ctx.enqueueTimeoutMs,
  );
  const pending = new Map(withJob.filter((_, i) => presence[i] === 'pending').map((r) => [r.id, r.jobId]));
  const stamp = String(Date.now());
  const marked = await ctx.db.$queryRaw<Array<{ id: bigint; job_id: string }>>`
    UPDATE webhook_events
    SET status = 'queued', job_id = 'webhook-replay-' || id || '-' || ${stamp}, enqueued_at = now(), error = NULL
    WHERE id = ANY(${rows.filter((r) => !pending.has(r.id)).map((r) => r.id)}::bigint[])
       OR (id = ANY(${[...pending.keys()]}::bigint[]) AND status IN ('processed', 'ignored', 'failed'))
    RETURNING id, job_id`;
  const jobIds = new Map(marked.map((m) => [m.id, m.job_id]));
  const enqueued: StoredEvent[] = rows
    .filter((r) => jobIds.has(r.id))
    .map((r) => ({
      id: String(r.id),
      provider: r.provider,
      eventType: r.eventType,
      entityId: r.entityId,
      queue: r.queue,
      jobId: jobIds.get(r.id)!,
    }));
  // A failed add leaves these rows 'queued' with a job id Redis does not have: the redrive adds it.
  await withTimeout(addJobs(ctx.producer, enqueued), ctx.enqueueTimeoutMs);
  const leftToJob = rows
    .filter((r) => !jobIds.has(r.id))
    .map((r) => ({ id: r.id, jobId: pending.get(r.id)! }));
  return { enqueued, leftToJob };
}

const EVENT_SELECT = { id: true, provider: true, eventType: true, entityId: true, queue: true, jobId: true };

const notReplayableEvent = (ev: EventRow): string | null =>
  !ev.queue
    ? 'this event was never queued (rejected or ignored)'
    : !isWebhookQueue(ev.queue)
      ? `not a webhook queue: ${ev.queue}`
      : null;

/**
 * Re-enqueues a stored webhook as a new webhook-event job on its queue, its status set back to
 * 'queued' first. An event whose job has yet to settle it is left to that job (its id is answered).
 */
export async function replayWebhookEvent(ctx: ReplayContext, id: bigint): Promise<ReplayOutcome> {
  const ev = await ctx.db.webhookEvent.findUnique({ where: { id }, select: EVENT_SELECT });
  if (!ev) return { ok: false, reason: 'not_found', message: `webhook event ${id} not found` };
  const why = notReplayableEvent(ev);
  if (why) return { ok: false, reason: 'not_replayable', message: why };
  const { enqueued, leftToJob } = await replayEvents(ctx, [ev as EventRow & { queue: WebhookQueue }]);
  const jobId = enqueued[0]?.jobId ?? leftToJob[0]!.jobId;
  return {
    ok: true,
    jobId,
    queue: ev.queue!,
    jobName: JOBS.webhookEvent,
    ...(enqueued.length ? {} : { leftToJob: true }),
  };
}

export interface WebhookReplayFilter {
  provider?: string;
  status?: string;
  since: Date;
  until?: Date;
}

export interface WebhookReplayReport {
  /** Events received in the window that match the filter. */
  matched: number;
  /** Enqueued again (fresh job id). */
  replayed: number;
  /** Their job had not run or was running and had not settled them: left to it. */
  leftToJob: number;
  /** Never queued (rejected) or on an unknown queue. */
  notReplayable: number;
}

/**
 * "Recover everything since T" for stored webhooks: replays every event received in
 * [since, until) matching provider and status, oldest first, a page at a time (replayEvents).
 */
export async function replayWebhookEventsWhere(
  ctx: ReplayContext,
  filter: WebhookReplayFilter,
): Promise<WebhookReplayReport> {
  const where = {
    receivedAt: { gte: filter.since, ...(filter.until ? { lt: filter.until } : {}) },
    ...(filter.provider ? { provider: filter.provider } : {}),
    ...(filter.status ? { status: filter.status } : {}),
  };
  const report: WebhookReplayReport = { matched: 0, replayed: 0, leftToJob: 0, notReplayable: 0 };
  // The cursor is fixed to the rows that matched at the start: a replayed row's new status must not
  // bring it (or drop it) into a later page.
  const last = await ctx.db.webhookEvent.findFirst({ where, orderBy: { id: 'desc' }, select: { id: true } });
  let after = 0n;
  while (last) {
    const rows = await ctx.db.webhookEvent.findMany({
      where: { ...where, id: { gt: after, lte: last.id } },
      orderBy: { id: 'asc' },
      take: BULK_PAGE,
      select: EVENT_SELECT,
    });
    if (!rows.length) break;
    after = rows[rows.length - 1]!.id;
    report.matched += rows.length;
    const ok = rows.filter((r) => notReplayableEvent(r) === null) as Array<
      EventRow & { queue: WebhookQueue }
    >;
    report.notReplayable += rows.length - ok.length;
    const out = await replayEvents(ctx, ok);
    report.replayed += out.enqueued.length;
    report.leftToJob += out.leftToJob.length;
  }
  return report;
}
