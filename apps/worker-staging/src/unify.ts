import type { Logger } from '@cauce/runtime';
import pg from 'pg';
import type { StagingConfig } from './config.ts';
import { assignClients } from './unify-clients.ts';
import { resolveGroups } from './unify-graph.ts';
import { screenIdentifiers } from './unify-screen.ts';
import { SOURCES } from './unify-sources.ts';

/**
 * Unify: raw tables -> clients, set-based (a handful of statements per step, never a call per
 * contact). Every run derives the whole partition again from every raw row plus the operator's
 * decisions (docs/staging.md, "Merge rules"), so the result does not depend on the order rows
 * arrived in nor on how runs were split, and a client's keys always come from its current records:
 *
 * 1. screen identifiers (denylist, placeholder emails, cardinality limits): those are no keys;
 * 2. group records into people (unify-graph.ts): connected components over trusted keys, a phone
 *    never joining two groups that both have an email;
 * 3. give each group a client (unify-clients.ts), keeping the client most of its records had;
 *    retire clients left with no record; write conflicts, raw rows and payments that changed.
 */

/** pg_try_advisory_xact_lock key of a unify transaction. */
export const UNIFY_LOCK = 720_774_001;

const PENDING = `(merged_at IS NULL OR fetched_at > merged_at)`;

export interface UnifyCounters {
  phase: string;
  /** Raw rows new or changed since the last run. */
  pendingRows: number;
  /** Raw rows whose client or merged version was written by this run. */
  merged: number;
  clientsCreated: number;
  clientsUpdated: number;
  clientsRetired: number;
  conflicts: number;
  /** Records (people) after grouping. */
  groups: number;
  /** Rows with no usable key at all (a CSV row whose email and phone are blocked or absent). */
  unmergeable: number;
  unmergeableSample: string[];
  linkedPayments: number;
  /** First 200 blocked identifiers; the complete list is the blocked_identifiers table. */
  blocked: Array<{ kind: string; value: string; reason: string; seen: number }>;
  blockedTotal: number;
  /** Milliseconds per step: where a slow run spends its time. */
  timings: Record<string, number>;
}

async function progress(pool: pg.Pool, runId: string, c: UnifyCounters) {
  await pool.query(
    `UPDATE sync_runs SET counters = $2::jsonb, processed = $3, total = $4, updated_at = now() WHERE id = $1`,
    [runId, JSON.stringify(c), c.merged, c.pendingRows],
  );
}

/** What a unify job did: the run's counters, or why it did nothing. */
export type UnifyOutcome = UnifyCounters | { skipped: 'not_runnable' | 'locked' };

/**
 * The connection a unify transaction runs on: DIRECT_DATABASE_URL's own session when set (past a
 * pooler, e.g. for its larger temp_buffers), else one client of the process's pool.
 */
async function unifyConnection(pool: pg.Pool, config: StagingConfig) {
  if (!config.DIRECT_DATABASE_URL) {
    const client = await pool.connect();
    return { client, done: (broken: boolean) => client.release(broken) };
  }
  const client = new pg.Client({ connectionString: config.DIRECT_DATABASE_URL });
  await client.connect();
  return { client, done: (_broken: boolean) => client.end().catch(() => {}) };
}

/**
 * One unify run, as ONE transaction on one connection: the lock (transaction-level, taken without
 * waiting), the settings (SET LOCAL) and the temp tables (ON COMMIT DROP) all end with it, so
 * nothing outlives the run on a pooled connection and the whole run works behind PgBouncer in
 * transaction mode. A run becomes `running` only once its transaction holds the lock; a second
 * unify finds it taken and ends its run `cancelled` at once instead of waiting.
 */
export async function runUnify(
  pool: pg.Pool,
  config: StagingConfig,
  runId: string,
  log: Logger,
): Promise<UnifyOutcome> {
  const { client: c, done } = await unifyConnection(pool, config);
  const counters: UnifyCounters = {
    phase: 'reading',
    pendingRows: 0,
    merged: 0,
    clientsCreated: 0,
    clientsUpdated: 0,
    clientsRetired: 0,
    conflicts: 0,
    groups: 0,
    unmergeable: 0,
    unmergeableSample: [],
    linkedPayments: 0,
    blocked: [],
    blockedTotal: 0,
    timings: {},
  };
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      counters.timings[step] = Math.round((counters.timings[step] ?? 0) + performance.now() - t0);
    }
  };
  let open = false;
  let broken = false;
  try {
    await c.query('BEGIN');
    open = true;
    const locked = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [UNIFY_LOCK]);
    if (!locked.rows[0]?.ok) {
      await c.query('ROLLBACK');
      open = false;
      // Never waits: the run under way re-derives everything from the raw rows anyway.
      await pool.query(
        `UPDATE sync_runs SET status = 'cancelled', error = $2, finished_at = now(), updated_at = now()
          WHERE id = $1 AND status IN ('queued', 'running', 'failed')`,
        [runId, 'another unify run holds the unify lock; this run did nothing'],
      );
      log.warn({ runId }, 'unify skipped: another unify run is under way');
      return { skipped: 'locked' };
    }
    // Marked on the pool (its own commit), so the run shows `running` while the transaction works.
    const started = await pool.query(
      `UPDATE sync_runs SET status = 'running', error = NULL, updated_at = now()
        WHERE id = $1 AND status IN ('queued', 'running', 'failed') RETURNING id`,
      [runId],
    );
    if (started.rowCount === 0) {
      await c.query('ROLLBACK');
      open = false;
      return { skipped: 'not_runnable' };
    }
    const mem = `${config.UNIFY_WORK_MEM_MB}MB`;
    // The big sorts and hash joins of a unify should not spill to disk.
    await c.query(`SELECT set_config('work_mem', $1, true)`, [mem]);
    // temp_buffers can only change before a session's first temp table: a pooled connection that
    // already ran a unify keeps its value (the savepoint keeps the transaction usable).
    await c.query('SAVEPOINT temp_buffers');
    await c
      .query(`SELECT set_config('temp_buffers', $1, true)`, [mem])
      .then(() => c.query('RELEASE SAVEPOINT temp_buffers'))
      .catch(() => c.query('ROLLBACK TO SAVEPOINT temp_buffers'));
    // Every effect is re-derived from the raw rows by the next run if lost: no need to wait for fsync.
    await c.query('SET LOCAL synchronous_commit = off');
    await c.query(`CREATE TEMP TABLE u_work (
      src text NOT NULL, raw_id bigint NOT NULL, src_id text NOT NULL, rank bigint NOT NULL,
      stripe_id text, ghl_id text, mc_id text, pp_id text, email text, phone text, name text,
      prev_client bigint, fetched_at timestamptz NOT NULL, pending boolean NOT NULL,
      split boolean NOT NULL DEFAULT false, comp bigint, grp bigint, client_id bigint) ON COMMIT DROP`);
    await timed('read', async () => {
      for (const [i, s] of SOURCES.entries()) {
        await c.query(
          `INSERT INTO u_work (src, raw_id, rank, src_id, stripe_id, ghl_id, mc_id, pp_id, email, phone, name,
                               prev_client, fetched_at, pending)
           SELECT '${s.src}', id, ${(i + 1) * 1e12} + id, ${s.select}, email, phone_e164, name,
                  client_id, fetched_at, ${PENDING}
             FROM ${s.table}`,
        );
      }
      await c.query('CREATE UNIQUE INDEX ON u_work (rank)');
      await c.query('ANALYZE u_work');
    });
    counters.pendingRows = Number(
      (await c.query('SELECT count(*) AS n FROM u_work WHERE pending')).rows[0].n,
    );
    counters.phase = 'screening identifiers';
    await progress(pool, runId, counters);

    await timed('screen', () => screenIdentifiers(c, config, counters));
    counters.phase = 'grouping';
    await progress(pool, runId, counters);
    await timed('group', () => resolveGroups(c, counters, config.UNIFY_MAX_WAVES));
    counters.phase = 'writing clients';
    await progress(pool, runId, counters);
    await assignClients(c, counters, timed);
    counters.phase = 'done';
    // In the transaction: the run says succeeded exactly when its clients are committed.
    await c.query(
      `UPDATE sync_runs SET status = 'succeeded', counters = $2::jsonb, processed = $3, total = $4,
         finished_at = now(), updated_at = now() WHERE id = $1`,
      [runId, JSON.stringify(counters), counters.merged, counters.pendingRows],
    );
    await c.query('COMMIT');
    open = false;
    log.info({ runId, ...counters, blocked: counters.blockedTotal }, 'unify finished');
    return counters;
  } finally {
    // A connection that cannot even roll back is not handed to the next query.
    if (open) await c.query('ROLLBACK').catch(() => (broken = true));
    await done(broken);
  }
}
