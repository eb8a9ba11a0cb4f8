import type { Db, PgPool } from '@cauce/db';
import type { Producer } from '@cauce/queues';
import type { Logger, MetricsSource, RedisConnection, Registry } from '@cauce/runtime';
import type { IngressConfig } from './config.ts';

/** What every route plugin gets: built once in main.ts (or by a test) and passed to buildIngress. */
export interface IngressDeps {
  config: IngressConfig;
  db: Db;
  /** The pool under `db`, for raw SQL (the webhook group commit, CSV chunks): one pool per process. */
  pool: PgPool;
  redis: RedisConnection;
  producer: Producer;
  log: Logger;
  registry: Registry;
  /** What /metrics serves when not just `registry`: in all-in-one mode, every role's merged. */
  metrics?: MetricsSource;
}
