import { type Job, type JobsOptions, type JobType, Queue } from 'bullmq';
import { ALL_QUEUES } from './names.ts';
import type { QueueConnection } from './producer.ts';

/**
 * Moves the jobs still waiting under one queue prefix to another (the default prefix changed from
 * `cauce` to `{cauce}` for Redis Cluster; docs/operations.md "Changed default prefix"), so an
 * upgrade loses none of them. Each job is added under the new prefix with its id, name, data and
 * options (a delayed job keeps the time it was due), then removed from the old one: a move that
 * stops half-way is run again, and a job already there under its id is not added twice.
 *
 * Job schedulers are removed from the old prefix with the next run they had planned: the workers
 * create them again under the new one (a run already due moves like any job). Left where they
 * are, and counted: flow jobs (a parent and its children move together or not at all: let them
 * finish) and failed jobs (their dead letters are in job_failures, replayed from the console under
 * the new prefix). Active jobs mean old workers still run: refused.
 */

/** The states a job waits in; each one moves. */
const WAITING: readonly JobType[] = ['waiting', 'prioritized', 'delayed'];

export interface MovePrefixOptions {
  connection: QueueConnection;
  from: string;
  to: string;
  /** Default: every queue Cauce declares. */
  queues?: readonly string[];
  /** Count what would move; change nothing. */
  dryRun?: boolean;
  onQueue?: (report: QueueMoveReport) => void;
}

export interface QueueMoveReport {
  queue: string;
  moved: number;
  /** Already under the new prefix with the same id (an earlier, interrupted move). */
  alreadyThere: number;
  /** Job schedulers removed from the old prefix (the workers own them under the new one). */
  schedulers: number;
  left: { flow: number; failed: number };
}

/** Jobs are running under the old prefix: its workers must stop first. */
export class ActiveJobsError extends Error {
  override name = 'ActiveJobsError';
  constructor(readonly active: Record<string, number>) {
    super(
      `jobs are running under the old prefix (${Object.entries(active)
        .map(([q, n]) => `${q}: ${n}`)
        .join(', ')}): stop the workers that use it, then move again`,
    );
  }
}

export async function moveQueuePrefix(opts: MovePrefixOptions): Promise<QueueMoveReport[]> {
  if (opts.from === opts.to) throw new Error('the old and the new prefix are the same');
  const names = opts.queues ?? ALL_QUEUES;
  const open = (name: string, prefix: string) => {
    const q = new Queue(name, { connection: opts.connection, prefix });
    q.on('error', () => {}); // errors reject the call that met them
    return q;
  };
  const old = names.map((n) => open(n, opts.from));
  const fresh = names.map((n) => open(n, opts.to));
  try {
    const active: Record<string, number> = {};
    for (const q of old) {
      const n = await q.getActiveCount();
      if (n) active[q.name] = n;
    }
    if (Object.keys(active).length) throw new ActiveJobsError(active);
    const reports: QueueMoveReport[] = [];
    for (const [i, from] of old.entries()) {
      const report = await moveQueue(from, fresh[i]!, !!opts.dryRun);
      opts.onQueue?.(report);
      reports.push(report);
    }
    return reports;
  } finally {
    await Promise.all([...old, ...fresh].map((q) => q.close()));
  }
}

async function moveQueue(from: Queue, to: Queue, dryRun: boolean): Promise<QueueMoveReport> {
  const report: QueueMoveReport = {
    queue: from.name,
    moved: 0,
    alreadyThere: 0,
    schedulers: (await from.getJobSchedulersCount()) as number,
    left: { flow: 0, failed: await from.getFailedCount() },
  };
  // Schedulers first: BullMQ refuses to remove a run that still belongs to one.
  if (!dryRun) for (const s of await from.getJobSchedulers(0, -1)) await from.removeJobScheduler(s.key);
  const jobs = (await from.getJobs([...WAITING, 'waiting-children'], 0, -1, true)).filter(
    (j): j is Job => !!j,
  );
  for (const job of jobs) {
    // A scheduler's next run, not yet due: it goes with its scheduler.
    if (job.repeatJobKey && (await job.isDelayed())) continue;
    if (job.parentKey || job.opts.parent || (await job.isWaitingChildren())) {
      report.left.flow++;
      continue;
    }
    const jobId = job.id!;
    if (await to.getJob(jobId)) report.alreadyThere++;
    else report.moved++;
    if (dryRun) continue;
    // Due when it was due: what is left of its delay, from now.
    const delay = Math.max(0, job.timestamp + (job.delay ?? 0) - Date.now());
    // A run its scheduler made due moves as a plain job: the scheduler is not moved.
    const { repeat: _r, parent: _p, ...rest } = job.opts as JobsOptions & { repeat?: unknown };
    await to.add(job.name, job.data, { ...rest, jobId, delay });
    await job.remove();
  }
  return report;
}
