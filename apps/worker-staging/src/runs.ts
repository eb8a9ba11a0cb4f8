import type pg from 'pg';
import type { UpsertCounts } from './raw-upsert.ts';

/** sync_runs helpers on the worker's pg pool (the checkpoint commits with the page it describes). */
export async function startRun(pool: pg.Pool, runId: string) {
  const res = await pool.query<{
    id: string;
    source: string;
    status: string;
    checkpoint: Record<string, unknown> | null;
    counters: Record<string, number>;
    processed: number;
  }>(
    `UPDATE sync_runs SET status = 'running', error = NULL, updated_at = now()
      WHERE id = $1 AND status IN ('queued', 'running', 'failed')
      RETURNING id, source, status, checkpoint, counters, processed`,
    [runId],
  );
  return res.rows[0] ?? null;
}

/** The checkpoint of the newest succeeded run of `source` other than `runId`: where an incremental run starts. */
export async function lastSucceededCheckpoint<T>(pool: pg.Pool, source: string, runId: string) {
  const res = await pool.query<{ checkpoint: T | null }>(
    `SELECT checkpoint FROM sync_runs WHERE source = $1 AND status = 'succeeded' AND id <> $2
      ORDER BY started_at DESC LIMIT 1`,
    [source, runId],
  );
  return res.rows[0]?.checkpoint ?? null;
}

export async function finishRun(pool: pg.Pool, runId: string, counters: Record<string, unknown>) {
  await pool.query(
    `UPDATE sync_runs SET status = 'succeeded', counters = $2::jsonb, finished_at = now(), updated_at = now() WHERE id = $1`,
    [runId, JSON.stringify(counters)],
  );
}

export async function failRun(pool: pg.Pool, runId: string, error: string, final: boolean) {
  await pool.query(
    `UPDATE sync_runs SET status = $3, error = $2, updated_at = now(),
       finished_at = CASE WHEN $3 = 'failed' THEN now() ELSE finished_at END WHERE id = $1`,
    [runId, error.slice(0, 2000), final ? 'failed' : 'running'],
  );
}

/** Records a page's progress; pass the transaction's client so it commits with the page. */
export async function checkpoint(
  db: pg.ClientBase | pg.Pool,
  runId: string,
  cp: unknown,
  counters: Record<string, unknown>,
  processed: number,
  total?: number | null,
) {
  await db.query(
    `UPDATE sync_runs SET checkpoint = $2::jsonb, counters = $3::jsonb, processed = $4,
       total = COALESCE($5, total), updated_at = now() WHERE id = $1`,
    [runId, JSON.stringify(cp), JSON.stringify(counters), processed, total ?? null],
  );
}

/**
 * Runs fn in one transaction on a pooled client. Page commits skip the fsync wait
 * (synchronous_commit off): a database crash can only lose the last pages together with the
 * checkpoint that describes them, and the run then fetches them again.
 */
export async function inTx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN; SET LOCAL synchronous_commit TO off');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}

/** A paged sync's counters: pages, rows fetched and what the pages' upserts did. */
export interface PageCounters extends UpsertCounts {
  pages: number;
  fetched: number;
  [k: string]: number;
}

/** The run's counters so far (a resumed run goes on counting), each page counter present. */
export function pageCounters(
  run: { counters: Record<string, number> },
  extra: Record<string, number> = {},
): PageCounters {
  return { pages: 0, fetched: 0, inserted: 0, updated: 0, unchanged: 0, ...extra, ...run.counters };
}

/** Counts one page: its rows and its upsert's counts. */
export function countPage(c: PageCounters, fetched: number, n: UpsertCounts): void {
  c.pages++;
  c.fetched += fetched;
  c.inserted += n.inserted;
  c.updated += n.updated;
  c.unchanged += n.unchanged;
}
