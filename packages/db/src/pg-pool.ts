import pg from 'pg';

/**
 * Bounds on how long a pool waits for PostgreSQL. A stopped (not closed) server accepts TCP
 * connections and then never answers, so without them a request waits for ever.
 */
export interface PgTimeouts {
  /** Longest wait for a connection, including for a free one in the pool (ms). */
  connectTimeoutMs?: number;
  /** Longest wait for a query's answer, on the client (ms); the server gets the same statement_timeout. */
  queryTimeoutMs?: number;
}

/** pg pool settings for the timeouts (unset: none, pg's default). */
export function pgTimeoutConfig({ connectTimeoutMs, queryTimeoutMs }: PgTimeouts = {}): pg.PoolConfig {
  return {
    ...(connectTimeoutMs ? { connectionTimeoutMillis: connectTimeoutMs } : {}),
    ...(queryTimeoutMs ? { query_timeout: queryTimeoutMs, statement_timeout: queryTimeoutMs } : {}),
  };
}

/**
 * A plain `pg` pool for hot paths that Prisma would slow down (bulk upserts, the webhook group
 * commit). Idle connections die when PostgreSQL restarts and the pool emits 'error' for them;
 * without a listener that would crash the process, so it is reported and the pool reconnects on
 * the next query.
 */
export function createPgPool(
  url: string,
  { max = 10, onError, ...timeouts }: { max?: number; onError?: (err: Error) => void } & PgTimeouts = {},
) {
  const pool = new pg.Pool({ connectionString: url, max, ...pgTimeoutConfig(timeouts) });
  pool.on('error', (err) => onError?.(err));
  return pool;
}
export type PgPool = pg.Pool;
