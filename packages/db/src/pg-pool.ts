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
  {
    max = 10,
    onError,
    namedStatements = true,
    ...timeouts
  }: { max?: number; onError?: (err: Error) => void; namedStatements?: boolean } & PgTimeouts = {},
) {
  const pool = new pg.Pool({ connectionString: url, max, ...pgTimeoutConfig(timeouts) });
  pool.on('error', (err) => onError?.(err));
  if (!namedStatements) pool.on('connect', unnamedStatementsOnly);
  return pool;
}

/**
 * Sends every query of this connection as an unnamed statement, even one given a `name` (our hot
 * paths name theirs so PostgreSQL parses them once per connection). A transaction-mode pooler
 * older than PgBouncer 1.21, or one with max_prepared_statements = 0, hands each transaction a
 * different server connection, where a named statement prepared earlier does not exist.
 * Prisma's statements are unnamed already.
 */
function unnamedStatementsOnly(client: pg.PoolClient) {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const unnamed = (config: unknown, ...rest: unknown[]) =>
    query(
      config && typeof config === 'object' && 'name' in config && !('submit' in config)
        ? { ...config, name: undefined }
        : config,
      ...rest,
    );
  Object.assign(client, { query: unnamed });
}
export type PgPool = pg.Pool;
