import type { Db } from '@cauce/db';
import { isQueueName, JOBS, type JobName, type Producer, toJobId } from '@cauce/queues';
import { ZodError } from 'zod';
import { withTimeout } from '../with-timeout.ts';

/**
 * Replays: dead letters (job_failures) back onto their queue with the same job name and data,
 * and stored webhooks (webhook_events) back onto their queue as a webhook-event job.
 *
 * A dead letter's first replay uses the job id `replay-<failureId>`: BullMQ ignores an add whose id
 * still exists, so two operators (or a retried request) replaying the same row at once enqueue
 * one job, and the conditional UPDATE lets exactly one of them record it. A forced replay gets a
 * fresh id. The job is added before the row is marked, so a crash (or an add that outlives its
 * timeout) can at worst replay twice (handlers upsert by natural key), never leave a row marked
 * but not enqueued.
 */

export interface ReplayContext {
  db: Db;
  producer: Producer;
  /** How long one add may wait for Redis before the replay fails (the caller answers 503). */
  enqueueTimeoutMs: number;
}

export type ReplayOutcome =
  | { ok: true; jobId: string; queue: string; jobName: string }
  | {
      ok: false;
      reason: 'not_found' | 'already_replayed' | 'not_replayable' | 'invalid_data';
      message: string;
    };

const JOB_NAMES = new Set<string>(Object.values(JOBS));
const isJobName = (n: string): n is JobName => JOB_NAMES.has(n);

interface FailureRow {
  id: bigint;
  queue: string;
  jobName: string;
  data: unknown;
  replayedAt: Date | null;
}

/** Adds the dead letter's job; returns why not when the row cannot be replayed as it is. */
async function enqueueFailure(ctx: ReplayContext, row: FailureRow, jobId: string): Promise<ReplayOutcome> {
  if (!isQueueName(row.queue) || !isJobName(row.jobName))
    return {
      ok: false,
      reason: 'not_replayable',
      message: `unknown queue or job name (${row.queue} / ${row.jobName})`,
    };
  try {
    await withTimeout(ctx.producer.add(row.queue, row.jobName, row.data, { jobId }), ctx.enqueueTimeoutMs);
  } catch (err) {
    if (err instanceof ZodError)
      return {
        ok: false,
        reason: 'invalid_data',
        message: `the stored job data does not match the ${row.jobName} schema: ${err.issues
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ')}`,
      };
    throw err; // Redis unavailable: the caller answers 503
  }
  return { ok: true, jobId, queue: row.queue, jobName: row.jobName };
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
  const jobId = row.replayedAt ? toJobId(`replay-${id}-${Date.now()}`) : firstReplayJobId(id);
  const out = await enqueueFailure(ctx, row, jobId);
  if (!out.ok) return out;
  const marked = await db.jobFailure.updateMany({
    where: force ? { id } : { id, replayedAt: null },
    data: { replayedAt: new Date(), replayJobId: jobId },
  });
  if (marked.count === 0)
    return { ok: false, reason: 'already_replayed', message: 'replayed concurrently by another request' };
  return out;
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
      const outcomes = await Promise.all(
        chunk.map((row) => enqueueFailure(ctx, row, firstReplayJobId(row.id))),
      );
      const done: bigint[] = [];
      outcomes.forEach((o, j) => {
        const row = chunk[j]!;
        if (o.ok) done.push(row.id);
        else {
          report.notReplayable++;
          if (report.errors.length < 100)
            report.errors.push({ id: String(row.id), reason: o.reason, message: o.message });
        }
      });
      if (done.length) {
        const marked = await db.$executeRaw`
          UPDATE job_failures SET replayed_at = now(), replay_job_id = 'replay-' || id
          WHERE id = ANY(${done}::bigint[]) AND replayed_at IS NULL`;
        report.replayed += marked;
        // Fewer marked than enqueued: a concurrent replay marked them first (same job id, one job).
        report.alreadyReplayed += done.length - marked;
      }
    }
  }
  return report;
}

/**
 * Re-enqueues a stored webhook as a new webhook-event job on its queue and marks it queued again.
 * A replay is an operator's explicit request, so every call enqueues (fresh job id).
 */
export async function replayWebhookEvent(ctx: ReplayContext, id: bigint): Promise<ReplayOutcome> {
  const { db, producer } = ctx;
  const ev = await db.webhookEvent.findUnique({
    where: { id },
    select: { id: true, provider: true, eventType: true, entityId: true, queue: true },
  });
  if (!ev) return { ok: false, reason: 'not_found', message: `webhook event ${id} not found` };
  if (!ev.queue || !isQueueName(ev.queue))
    return {
      ok: false,
      reason: 'not_replayable',
      message: ev.queue ? `unknown queue ${ev.queue}` : 'this event was never queued (rejected or ignored)',
    };
  const jobId = toJobId(`webhook-replay-${id}-${Date.now()}`);
  await withTimeout(
    producer.add(
      ev.queue,
      JOBS.webhookEvent,
      {
        webhookEventId: String(ev.id),
        provider: ev.provider,
        eventType: ev.eventType,
        entityId: ev.entityId,
      },
      { jobId },
    ),
    ctx.enqueueTimeoutMs,
  );
  await db.webhookEvent.update({
    where: { id },
    data: { status: 'queued', jobId, enqueuedAt: new Date(), error: null },
  });
  return { ok: true, jobId, queue: ev.queue, jobName: JOBS.webhookEvent };
}
