import { randomUUID } from 'node:crypto';
import type { Producer } from '@cauce/queues';
import type { Logger } from '@cauce/runtime';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { enqueueStored, type StoredEvent } from './enqueue.ts';

/** Renews the lock only while we still hold it. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

export interface RedriveOptions {
  pool: pg.Pool;
  redis: Redis;
  producer: Producer;
  prefix: string;
  intervalMs: number;
  graceMs: number;
  log: Logger;
  onRedriven: (n: number) => void;
  batch?: number;
}

/**
 * Enqueues events that were stored but never reached their queue (Redis was down when they
 * arrived, or the process died between commit and enqueue). One ingress replica leads, by a
 * Redis lock: the work only matters when Redis is up, and then the lock is too. Re-adding an
 * event is harmless anyway (jobId = dedupe key; workers skip settled events).
 */
export function startRedrive(o: RedriveOptions) {
  const key = `${o.prefix}:ingress:redrive-leader`;
  const me = randomUUID();
  const ttl = o.intervalMs * 3;
  let running = false;
  let leading = false;

  const isLeader = async () => {
    leading =
      (await o.redis.set(key, me, 'PX', ttl, 'NX')) === 'OK' ||
      Number(await o.redis.eval(RENEW, 1, key, me, String(ttl))) === 1;
    return leading;
  };

  const tick = async () => {
    if (running) return;
    running = true;
    try {
      if (!(await isLeader())) return;
      for (;;) {
        const { rows } = await o.pool.query<{
          id: string;
          provider: string;
          event_type: string;
          entity_id: string | null;
          queue: string;
          job_id: string;
        }>({
          name: 'webhook-events-unqueued',
          text: `SELECT id::text, provider, event_type, entity_id, queue, job_id FROM webhook_events
                 WHERE status = 'received' AND queue IS NOT NULL AND job_id IS NOT NULL
                   AND received_at < now() - make_interval(secs => $1::double precision / 1000)
                 ORDER BY id LIMIT $2`,
          values: [o.graceMs, o.batch ?? 500],
        });
        if (!rows.length) return;
        const events: StoredEvent[] = rows.map((r) => ({
          id: r.id,
          provider: r.provider,
          eventType: r.event_type,
          entityId: r.entity_id,
          queue: r.queue,
          jobId: r.job_id,
        }));
        await enqueueStored(o.producer, o.pool, events);
        o.onRedriven(events.length);
        o.log.info(
          { events: events.length },
          'redrive: enqueued stored events that had not reached their queue',
        );
      }
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
      if (!leading) return;
      // Hand leadership over at once instead of after the TTL (never waiting on a Redis that is down).
      const release = o.redis.eval(RELEASE, 1, key, me).catch(() => {});
      await Promise.race([release, new Promise((r) => setTimeout(r, 500))]);
    },
  };
}
