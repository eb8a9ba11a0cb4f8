import pg from 'pg';

/**
 * A plain `pg` pool for hot paths that Prisma would slow down (bulk upserts, the webhook group
 * commit). Idle connections die when PostgreSQL restarts and the pool emits 'error' for them;
 * without a listener that would crash the process, so it is reported and the pool reconnects on
 * the next query.
 */
export function createPgPool(
  url: string,
  { max = 10, onError }: { max?: number; onError?: (err: Error) => void } = {},
) {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', (err) => onError?.(err));
  return pool;
}
export type PgPool = pg.Pool;
