import { JOB_TYPES, JOBS, type Producer, type WebhookQueue } from '@cauce/queues';
import { isCluster, type Logger, type RedisConnection, RedisLease } from '@cauce/runtime';
import type pg from 'pg';
import { addJobs, type StoredEvent } from './enqueue.ts';
import { jobPresence } from './job-presence.ts';

export interface RedriveOptions {
  pool: pg.Pool;
  redis: RedisConnection;
  producer: Producer;
  prefix: string;
  intervalMs: number;
  graceMs: number;
  log: Logger;
  onRedriven: (n: number) => void;
  batch?: number;
  /** Batches of unsettled rows a full sweep checks per tick (see sweepAll). */
  maxBatches?: number;
  /** A full sweep at least this often (ms; default 10 minutes), whatever else happened. */
  fullSweepMs?: number;
}

interface EventRow {
  id: string;
  provider: string;
  event_type: string;
  entity_id: string | null;
  queue: WebhookQueue;
  job_id: string;
}
const COLUMNS = 'id::text, provider, event_type, entity_id, queue, job_id';
/** Only rows of a webhook queue are redriven (the column is free text; the registry is not). */
const WEBHOOK_QUEUES: readonly WebhookQueue[] = JOB_TYPES[JOBS.webhookEvent].queues;

/**
 * Enqueues events that were stored but whose job does not exist: never added (Redis was down when
 * they arrived, or the process died between commit and enqueue) or lost by Redis. One ingress
 * replica leads, by a Redis lock: the work only matters when Redis is up, and then the lock is too. Re-adding an event is harmless anyway (jobId = dedupe key; workers
 * skip settled events).
 */
export function startRedrive(o: RedriveOptions) {
  // Claimed on every tick, so a replica whose ticks stop loses the lead after three intervals.
  const leader = new RedisLease({
    redis: o.redis,
    key: `${o.prefix}:ingress:redrive-leader`,
    ttlMs: o.intervalMs * 3,
  });
  let running = false;
  const batch = o.batch ?? 500;

  const toEvent = (r: EventRow): StoredEvent => ({
    id: r.id,
    provider: r.provider,
    eventType: r.event_type,
    entityId: r.entity_id,
    queue: r.queue,
    jobId: r.job_id,
  });

  /** Checks rows against BullMQ (one pipeline) and re-adds, under the same id, each job that does not exist. */
  const readdMissing = async (rows: EventRow[]) => {
    const events = rows.map(toEvent);
    const presence = await jobPresence(o.redis, o.prefix, events);
    const lost = events.filter((_, j) => presence[j] === 'missing');
    if (!lost.length) return;
    // Same job id: if the job reappeared meanwhile (another replica, a replay), the add is a no-op.
    await addJobs(o.producer, lost);
    await o.pool.query({
      name: 'webhook-events-redriven',
      text: `UPDATE webhook_events SET enqueued_at = now()
             WHERE id = ANY($1::bigint[]) AND status IN ('received', 'queued')`,
      values: [lost.map((e) => e.id)],
    });
    o.onRedriven(lost.length);
    o.log.warn({ events: lost.length }, 'redrive: enqueued stored events whose job did not exist in Redis');
  };
  const UNSETTLED = `status IN ('received', 'queued') AND queue = ANY($1::text[]) AND job_id IS NOT NULL`;
  const due = (grace: string) =>
    `coalesce(enqueued_at, received_at) < now() - make_interval(secs => ${grace}::double precision / 1000)`;

  /**
   * Full sweep: every unsettled row ('received': stored, its job added by the request or not;
   * 'queued': a replay marked it) older than the grace, by id, at most `maxBatches` batches per
   * tick, resuming where the last tick stopped (a long backlog costs a bounded amount per tick).
   * Returns true when it reached the end.
   */
  let cursor = '0';
  const sweepAll = async () => {
    for (let i = 0; i < (o.maxBatches ?? 20); i++) {
      const { rows } = await o.pool.query<EventRow>({
        name: 'webhook-events-unsettled',
        text: `SELECT ${COLUMNS} FROM webhook_events
               WHERE ${UNSETTLED} AND id > $3::bigint AND ${due('$4')}
               ORDER BY id LIMIT $2`,
        values: [WEBHOOK_QUEUES, batch, cursor, o.graceMs],
      });
      cursor = rows.length < batch ? '0' : rows[rows.length - 1]!.id;
      await readdMissing(rows);
      if (cursor === '0') return true;
    }
    return false;
  };

  /** Rows whose grace ended since the last tick (`since`, database time): each is checked once. */
  let since: string | null = null;
  const graceEnd = async () =>
    (
      await o.pool.query<{ at: string }>({
        name: 'webhook-redrive-grace-end',
        text: `SELECT (now() - make_interval(secs => $1::double precision / 1000))::text AS at`,
        values: [o.graceMs],
      })
    ).rows[0]!.at;
  const sweepNew = async (from: string) => {
    const until = await graceEnd();
    for (let after = '0'; ; ) {
      const { rows } = await o.pool.query<EventRow>({
        name: 'webhook-events-newly-due',
        text: `SELECT ${COLUMNS} FROM webhook_events
               WHERE ${UNSETTLED} AND id > $3::bigint
                 AND coalesce(enqueued_at, received_at) >= $4::timestamptz
                 AND coalesce(enqueued_at, received_at) < $5::timestamptz
               ORDER BY id LIMIT $2`,
        values: [WEBHOOK_QUEUES, batch, after, from, until],
      });
      await readdMissing(rows);
      if (rows.length < batch) break;
      after = rows[rows.length - 1]!.id;
    }
    since = until;
  };

  /**
   * Rows already checked are checked again only by a full sweep: when this replica starts to lead,
   * when Redis may have lost jobs (its run id changed: a restart or a failover; or the marker set
   * at the sweep's start is gone: a flush), and every `fullSweepMs` as a safety net (e.g. a row
   * that committed after its grace had passed). On a Redis Cluster every tick is a full sweep (one
   * node's run id says nothing about the others). So a backlog of pending jobs (workers stopped)
   * costs a tick its new rows only, instead of a re-check of the whole backlog.
   */
  const marker = `${o.prefix}:ingress:redrive-marker`;
  let sweep: { runId: string; startedUntil: string; at: number } | null = null;
  let lastFull = 0;
  let knownRunId = '';
  /** Whether Redis may have lost jobs since the current or last sweep began. */
  const redisLostData = async () => {
    const [info, marked] = await Promise.all([o.redis.info('server'), o.redis.exists(marker)]);
    const runId = /run_id:(\w+)/.exec(info)?.[1] ?? '';
    return { lost: marked === 0 || runId !== knownRunId, runId };
  };
  const reconcile = async () => {
    const cluster = isCluster(o.redis);
    const { lost, runId } = cluster ? { lost: false, runId: '' } : await redisLostData();
    const stale = cluster || since === null || Date.now() - lastFull >= (o.fullSweepMs ?? 600_000);
    if (lost || (stale && !sweep)) {
      // (Re)start from the first row: jobs checked before a loss may be gone since.
      cursor = '0';
      sweep = { runId, startedUntil: await graceEnd(), at: Date.now() };
      if (!cluster) await o.redis.set(marker, '1');
      knownRunId = runId;
    }
    if (sweep) {
      if (!(await sweepAll())) return;
      since = sweep.startedUntil;
      lastFull = sweep.at;
      sweep = null;
    }
    await sweepNew(since!);
  };

  const tick = async () => {
    if (running) return;
    running = true;
    try {
      if (!(await leader.claim())) return;
      await reconcile();
    } catch (err) {
      o.log.warn({ err: (err as Error).message }, 'redrive tick failed; will retry');
    } finally {
      running = false;
    }
  };

  const timer = setInterval(() => void tick(), o.intervalMs);
  timer.unref();
  return {
    tick,
    async stop() {
      clearInterval(timer);
      if (!leader.held) return;
      // Hand leadership over at once instead of after the TTL (never waiting on a Redis that is down).
      const release = leader.release().catch(() => {});
      await Promise.race([release, new Promise((r) => setTimeout(r, 500))]);
    },
  };
}
