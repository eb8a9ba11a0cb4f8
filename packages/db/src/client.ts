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
  const prisma = lazyPrisma(pool);
  return {
    db: prisma.db,
    pool,
    async close() {
      await prisma.built?.$disconnect();
      await pool.end();
    },
  };
}

/**
 * A Prisma client built on first use: a role whose path is raw SQL only (worker-staging, most of
 * a worker's jobs) never pays for Prisma's query compiler and its WebAssembly instance (about
 * 30 MB resident per client). Same object to its callers: every property is the real client's.
 */
function lazyPrisma(pool: PgPool): { db: Db; readonly built: Db | undefined } {
  let client: Db | undefined;
  const real = () => {
    client ??= prismaOver(pool);
    return client;
  };
  const db = new Proxy({} as Db, {
    get(_target, prop) {
      const c = real();
      const v = Reflect.get(c, prop, c);
      return typeof v === 'function' ? v.bind(c) : v;
    },
    has: (_target, prop) => prop in real(),
  });
  return {
    db,
    get built() {
      return client;
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
