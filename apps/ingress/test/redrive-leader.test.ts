import { Producer, QUEUES } from '@cauce/queues';
import { createLogger, createRedis } from '@cauce/runtime';
import { setupTestEnv, waitFor } from '@cauce/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startRedrive } from '../src/webhooks/redrive.ts';

const env = await setupTestEnv();
const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 4 });
const redis = createRedis(env.redisUrl);
const producer = new Producer(redis, env.prefix);
const log = createLogger('redrive-test', 'silent');
// Ticks are driven by the tests (an interval of a minute never fires on its own here).
const REDRIVE = { pool, redis, producer, prefix: env.prefix, intervalMs: 60_000, graceMs: 0, log };
afterAll(async () => {
  await producer.close();
  redis.disconnect();
  await pool.end();
});

/** The key running deployments already use: a rename would let two versions lead at once. */
const LEADER_KEY = `${env.prefix}:ingress:redrive-leader`;

/** Stores an event that never reached its queue (what the redrive exists for). */
const storeUnqueued = async (key: string) => {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO webhook_events (provider, event_type, dedupe_key, status, queue, job_id, payload)
     VALUES ('beds24', 'MODIFY', $1, 'received', $2, $1, '{}'::jsonb) RETURNING id::text`,
    [key, QUEUES.beds24Sync],
  );
  return rows[0]!.id;
};
/** Whether the row's job exists in Redis (the redrive adds it; the row stays 'received'). */
const jobOf = async (key: string) => (await redis.exists(`${env.prefix}:${QUEUES.beds24Sync}:${key}`)) === 1;

describe('redrive leader', () => {
  it('one replica redrives at a time; a stopped leader hands over at once', async () => {
    const redriven: string[] = [];
    const replica = (name: string) => startRedrive({ ...REDRIVE, onRedriven: () => redriven.push(name) });
    const a = replica('a');
    const b = replica('b');
    try {
      await a.tick();
      const ttl = await redis.pttl(LEADER_KEY);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(180_000);

      await storeUnqueued('lead-1');
      await b.tick();
      expect(await jobOf('lead-1')).toBe(false);
      await a.tick();
      expect(await jobOf('lead-1')).toBe(true);
      expect(redriven).toEqual(['a']);

      await a.stop();
      await waitFor(async () => (await redis.exists(LEADER_KEY)) === 0, { message: 'the lead released' });
      await storeUnqueued('lead-2');
      await b.tick();
      expect(await jobOf('lead-2')).toBe(true);
      expect(redriven).toEqual(['a', 'b']);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('redrive reconcile', () => {
  it('checks each row once after its grace; re-checks every row when Redis may have lost jobs', async () => {
    const added: number[] = [];
    const redrive = startRedrive({ ...REDRIVE, onRedriven: (n) => added.push(n) });
    const jobs = (...keys: string[]) => Promise.all(keys.map(jobOf));
    try {
      // The first tick as leader is a full sweep: the row without a job gets it.
      await storeUnqueued('reconcile-1');
      await redrive.tick();
      expect(added).toEqual([1]);
      expect(await jobs('reconcile-1')).toEqual([true]);

      // A row stored since is checked by the next tick (its grace ended), once.
      const id = await storeUnqueued('reconcile-2');
      await redrive.tick();
      expect(added).toEqual([1, 1]);
      expect(await jobs('reconcile-2')).toEqual([true]);
      const { rows } = await pool.query<{ status: string; enqueued: boolean }>(
        'SELECT status, enqueued_at IS NOT NULL AS enqueued FROM webhook_events WHERE id = $1',
        [id],
      );
      expect(rows[0]).toEqual({ status: 'received', enqueued: true });

      // Jobs vanish without a sign that Redis lost data. A row whose grace ended before the last
      // tick is not re-read (reconcile-1); one the redrive re-added then is, once, since the add
      // restarted its grace (reconcile-2)…
      for (const key of ['reconcile-1', 'reconcile-2']) await producer.queue(QUEUES.beds24Sync).remove(key);
      await redrive.tick();
      expect(await jobs('reconcile-1', 'reconcile-2')).toEqual([false, true]);
      expect(added).toEqual([1, 1, 1]);
      // …until the marker a flush would remove is gone: then every unsettled row is swept again.
      await redis.del(`${env.prefix}:ingress:redrive-marker`);
      await redrive.tick();
      expect(await jobs('reconcile-1', 'reconcile-2')).toEqual([true, true]);
      expect(added).toEqual([1, 1, 1, 1]);
    } finally {
      await redrive.stop();
    }
  });
});
