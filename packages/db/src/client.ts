import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';
import { createPgPool, type PgPool, type PgTimeouts } from './pg-pool.ts';

export type Db = PrismaClient;

export interface CreateDbOptions extends PgTimeouts {
  /** Pool size; defaults to pg's 10. */
  max?: number;
  /** Called when an idle connection of the pool dies (PostgreSQL restarted). */
  onError?: (err: Error) => void;
  /** false: every statement unnamed (a transaction-mode pooler without prepared statement support). */
  namedStatements?: boolean;
}

/**
 * A process's PostgreSQL access: ONE pg pool, shared by Prisma (`PrismaPg` over the same pool)
 * and raw SQL (bulk upserts, the webhook group commit), so a process holds at most `max`
 * connections whatever path a query takes (docs/operations.md, "Scaling out").
 */
export interface Database {
  db: Db;
  pool: PgPool;
  /** Ends Prisma and the pool. */
  close(): Promise<void>;
}

/** Prisma over an existing pool; closing the pool stays with its owner. */
export function prismaOver(pool: PgPool): Db {
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}

export function createDatabase(url: string, { max = 10, ...opts }: CreateDbOptions = {}): Database {
  const pool = createPgPool(url, { max, ...opts });
  const db = prismaOver(pool);
  return {
    db,
    pool,
    async close() {
      await db.$disconnect();
      await pool.end();
    },
  };
}

/**
 * A Prisma client with a pool of its own (tests, CLIs): `$disconnect()` also ends the pool.
 * Apps use createDatabase instead, so Prisma and raw SQL share one pool.
 */
export function createDb(url: string, { max, ...opts }: CreateDbOptions = {}): Db {
  const pool = createPgPool(url, { max: max ?? 10, ...opts });
  return new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
}

/** A unique constraint refused the write (Prisma P2002, or PostgreSQL's 23505 from raw SQL). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'P2002' || code === '23505';
}
