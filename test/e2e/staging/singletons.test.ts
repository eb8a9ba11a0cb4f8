import { createDb } from '@cauce/db';
import { QUEUES } from '@cauce/queues';
import { createLogger } from '@cauce/runtime';
import { setupTestEnv } from '@cauce/testkit';
import { startStagingWorker } from '@cauce/worker-staging';
import { type Sim, stagingConfig, startSim } from '@cauce/worker-staging/testing';
import { runUnify, UNIFY_LOCK } from '@cauce/worker-staging/unify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngress } from '../ingress.ts';

/**
 * Singletons are fleet properties: one live run per source is a database constraint (whatever
 * ingress replica answers), a second unify ends at once instead of waiting on the lock, and the
 * queues that run one job at a time keep that however WORKER_CONCURRENCY is set.
 */
const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 2 });
const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 3 });
let sim: Sim;
let ingresses: Array<Awaited<ReturnType<typeof startIngress>>> = [];

beforeAll(async () => {
  sim = await startSim();
  // Two replicas behind one load balancer: each has its own pool and its own Redis connection.
  ingresses = [await startIngress(env), await startIngress(env)];
});
afterAll(async () => {
  for (const i of ingresses) await i.close();
  await sim?.close();
  await pool.end();
  await db.$disconnect();
});

describe('one live run per source', () => {
  it('concurrent Sync requests on two ingress replicas start exactly one run', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => ingresses[i % 2]!.api('POST', '/api/sync/stripe')),
    );
    const started = answers.filter((a) => a.status === 202);
    expect(started).toHaveLength(1);
    const runId = started[0]!.body.runs[0].run.id;
    for (const a of answers.filter((x) => x.status !== 202)) {
      expect(a.status).toBe(409);
      expect(a.body.run.id).toBe(runId);
    }
    expect(
      await db.syncRun.count({ where: { source: 'stripe', status: { in: ['queued', 'running'] } } }),
    ).toBe(1);
  });

  it('the database itself refuses a second live run of a source', async () => {
    await pool.query(`INSERT INTO sync_runs (source, kind, status) VALUES ('paypal', 'sync', 'queued')`);
    await expect(
      pool.query(`INSERT INTO sync_runs (source, kind, status) VALUES ('paypal', 'sync', 'running')`),
    ).rejects.toMatchObject({ code: '23505' });
    // Finished runs and CSV imports are not limited.
    await pool.query(`UPDATE sync_runs SET status = 'succeeded' WHERE source = 'paypal'`);
    await pool.query(`INSERT INTO sync_runs (source, kind, status) VALUES ('paypal', 'sync', 'queued')`);
    await pool.query(
      `INSERT INTO sync_runs (source, kind, status) VALUES ('csv', 'import', 'running'), ('csv', 'import', 'running')`,
    );
  });

  it('a live run silent for 15 minutes makes room for a new one, which resumes its checkpoint', async () => {
    const lost = await pool.query<{ id: string }>(
      `INSERT INTO sync_runs (source, kind, status, checkpoint, updated_at)
       VALUES ('manychat', 'sync', 'running', '{"after": 40}', now() - interval '16 minutes') RETURNING id`,
    );
    const res = await ingresses[0]!.api('POST', '/api/sync/manychat');
    expect(res.status).toBe(202);
    const old = await db.syncRun.findUniqueOrThrow({ where: { id: BigInt(lost.rows[0]!.id) } });
    expect(old.status).toBe('failed');
    expect(old.error).toMatch(/no progress/);
    const fresh = await db.syncRun.findUniqueOrThrow({ where: { id: BigInt(res.body.runs[0].run.id) } });
    expect(fresh.checkpoint).toEqual({ after: 40 });
  });
});

describe('unify takes its lock without waiting', () => {
  it('a second unify ends its run cancelled at once and is never marked running', async () => {
    const config = stagingConfig(env, sim);
    const holder = new pg.Client({ connectionString: env.databaseUrl });
    await holder.connect();
    try {
      // Another unify's transaction holds the lock.
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [UNIFY_LOCK]);
      const run = await pool.query<{ id: string }>(
        `INSERT INTO sync_runs (source, kind, status) VALUES ('unify', 'unify', 'queued') RETURNING id`,
      );
      const out = await runUnify(pool, config, run.rows[0]!.id, createLogger('t', 'silent'));
      expect(out).toEqual({ skipped: 'locked' });
      const after = await db.syncRun.findUniqueOrThrow({ where: { id: BigInt(run.rows[0]!.id) } });
      expect(after).toMatchObject({ status: 'cancelled', error: expect.stringMatching(/another unify/) });
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    // Lock free: the next run works, and leaves no session state or temp table on the pool.
    const run = await pool.query<{ id: string }>(
      `INSERT INTO sync_runs (source, kind, status) VALUES ('unify', 'unify', 'queued') RETURNING id`,
    );
    const out = await runUnify(pool, config, run.rows[0]!.id, createLogger('t', 'silent'));
    expect(out).toMatchObject({ phase: 'done' });
    expect((await db.syncRun.findUniqueOrThrow({ where: { id: BigInt(run.rows[0]!.id) } })).status).toBe(
      'succeeded',
    );
    const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    try {
      for (const c of clients) {
        // This connection's own temp tables and locks: pg_locks is server-wide, and other test
        // files (and the template database's creation) hold advisory locks of their own.
        const temp = await c.query(
          'SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = pg_my_temp_schema()',
        );
        expect(temp.rows[0].n).toBe(0);
        expect((await c.query('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe('on');
        const locks = await c.query(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`,
        );
        expect(locks.rows[0].n).toBe(0);
      }
    } finally {
      for (const c of clients) c.release();
    }
  });
});

describe('queues that run one job at a time in the fleet', () => {
  it('keep a global concurrency of 1 that WORKER_CONCURRENCY does not raise', async () => {
    const worker = await startStagingWorker(stagingConfig(env, sim, { WORKER_CONCURRENCY: '8' }));
    try {
      const q = (name: string) => worker.ctx.producer.queue(name);
      expect(await q(QUEUES.stagingUnify).getGlobalConcurrency()).toBe(1);
      expect(await q(QUEUES.stagingCsv).getGlobalConcurrency()).toBe(1);
      const byQueue = new Map(worker.workers.map((w) => [w.name, w.concurrency]));
      expect(byQueue.get(QUEUES.stagingUnify)).toBe(1);
      expect(byQueue.get(QUEUES.stagingGhl)).toBe(8);
    } finally {
      await worker.close();
    }
  });
});
