import { JOB_TYPES, JOBS, type Producer, type WebhookQueue } from '@cauce/queues';
import { type Logger, type RedisConnection, RedisLease } from '@cauce/runtime';
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
  /** Batches of unsettled rows checked per tick (see reconcile). */
  maxBatches?: number;
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

  /**
   * Unsettled rows ('received': stored, its job added by the request or not; 'queued': a replay
   * marked it) older than the grace whose job does not exist: add it under the same id. This
   * covers a request that could not enqueue (Redis down, a timeout, the process died between
   * commit and enqueue) and a Redis that lost jobs (restarted without its data, a failover, a
   * flush). One existence check per batch (a pipeline), at most `maxBatches` batches per tick,
   * resuming where the last tick stopped, so a long backlog costs a bounded amount per tick.
   * A re-added row's `enqueued_at` restarts its grace.
   */
  let cursor = '0';
  const reconcile = async () => {
    for (let i = 0; i < (o.maxBatches ?? 20); i++) {
      const { rows } = await o.pool.query<EventRow>({
        name: 'webhook-events-unsettled',
        text: `SELECT ${COLUMNS} FROM webhook_events
               WHERE status IN ('received', 'queued') AND queue = ANY($4::text[]) AND job_id IS NOT NULL
                 AND id > $3::bigint
                 AND coalesce(enqueued_at, received_at) < now() - make_interval(secs => $1::double precision / 1000)
               ORDER BY id LIMIT $2`,
        values: [o.graceMs, batch, cursor, WEBHOOK_QUEUES],
      });
      cursor = rows.length < batch ? '0' : rows[rows.length - 1]!.id;
      const events = rows.map(toEvent);
      const presence = await jobPresence(o.redis, o.prefix, events);
      const lost = events.filter((_, j) => presence[j] === 'missing');
      if (lost.length) {
        // Same job id: if the job reappeared meanwhile (another replica, a replay), the add is a no-op.
        await addJobs(o.producer, lost);
        await o.pool.query({
          name: 'webhook-events-redriven',
          text: `UPDATE webhook_events SET enqueued_at = now()
                 WHERE id = ANY($1::bigint[]) AND status IN ('received', 'queued')`,
          values: [lost.map((e) => e.id)],
        });
        o.onRedriven(lost.length);
        o.log.warn(
          { events: lost.length },
          'redrive: enqueued stored events whose job did not exist in Redis',
        );
      }
      if (cursor === '0') return;
    }
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
