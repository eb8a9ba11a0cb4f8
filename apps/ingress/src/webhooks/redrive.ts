import { JOB_TYPES, JOBS, type Producer, type WebhookQueue } from '@cauce/queues';
import { type Logger, type RedisConnection, RedisLease } from '@cauce/runtime';
import type pg from 'pg';
import { addJobs, enqueueStored, type StoredEvent } from './enqueue.ts';
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
  /** Batches of queued rows checked per tick (see reconcileQueued). */
  maxQueuedBatches?: number;
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
 * Enqueues events that were stored but never reached their queue (Redis was down when they
 * arrived, or the process died between commit and enqueue), and re-enqueues queued events whose
 * job Redis lost. One ingress replica leads, by a Redis lock: the work only matters when Redis is
 * up, and then the lock is too. Re-adding an event is harmless anyway (jobId = dedupe key; workers
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

  /** Rows stored but never enqueued: add their jobs, then mark them queued. */
  const redriveReceived = async () => {
    for (;;) {
      const { rows } = await o.pool.query<EventRow>({
        name: 'webhook-events-unqueued',
        text: `SELECT ${COLUMNS} FROM webhook_events
               WHERE status = 'received' AND queue = ANY($3::text[]) AND job_id IS NOT NULL
                 AND received_at < now() - make_interval(secs => $1::double precision / 1000)
               ORDER BY id LIMIT $2`,
        values: [o.graceMs, batch, WEBHOOK_QUEUES],
      });
      if (!rows.length) return;
      const events = rows.map(toEvent);
      await enqueueStored(o.producer, o.pool, events);
      o.onRedriven(events.length);
      o.log.info(
        { events: events.length },
        'redrive: enqueued stored events that had not reached their queue',
      );
    }
  };

  /**
   * Rows marked queued whose job no longer exists (Redis restarted without its data, a failover, a
   * flush): re-add the job with the same id. One existence check per batch (a pipeline), and at
   * most `maxQueuedBatches` batches per tick, resuming where the last tick stopped, so a long
   * backlog costs a bounded amount of work per tick.
   */
  let queuedCursor = '0';
  const reconcileQueued = async () => {
    for (let i = 0; i < (o.maxQueuedBatches ?? 20); i++) {
      const { rows } = await o.pool.query<EventRow>({
        name: 'webhook-events-queued',
        text: `SELECT ${COLUMNS} FROM webhook_events
               WHERE status = 'queued' AND queue = ANY($4::text[]) AND job_id IS NOT NULL AND id > $3::bigint
                 AND coalesce(enqueued_at, received_at) < now() - make_interval(secs => $1::double precision / 1000)
               ORDER BY id LIMIT $2`,
        values: [o.graceMs, batch, queuedCursor, WEBHOOK_QUEUES],
      });
      queuedCursor = rows.length < batch ? '0' : rows[rows.length - 1]!.id;
      const events = rows.map(toEvent);
      const presence = await jobPresence(o.redis, o.prefix, events);
      const lost = events.filter((_, j) => presence[j] === 'missing');
      if (lost.length) {
        // Same job id: if the job reappeared meanwhile (another replica, a replay), the add is a no-op.
        await addJobs(o.producer, lost);
        await o.pool.query({
          name: 'webhook-events-requeued',
          text: `UPDATE webhook_events SET enqueued_at = now() WHERE id = ANY($1::bigint[]) AND status = 'queued'`,
          values: [lost.map((e) => e.id)],
        });
        o.onRedriven(lost.length);
        o.log.warn(
          { events: lost.length },
          'redrive: re-enqueued queued events whose job had vanished from RedisConnection',
        );
      }
      if (queuedCursor === '0') return;
    }
  };

  const tick = async () => {
    if (running) return;
    running = true;
    try {
      if (!(await leader.claim())) return;
      await redriveReceived();
      await reconcileQueued();
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
