import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';
import { type PgTimeouts, pgTimeoutConfig } from './pg-pool.ts';

export type Db = PrismaClient;

export interface CreateDbOptions extends PgTimeouts {
  /** Pool size; defaults to pg's 10. */
  max?: number;
}

/** One Prisma client over a pg pool (driver adapter: no native query engine needed). */
export function createDb(url: string, { max, ...timeouts }: CreateDbOptions = {}): Db {
  const adapter = new PrismaPg({ connectionString: url, max: max ?? 10, ...pgTimeoutConfig(timeouts) });
  return new PrismaClient({ adapter });
}
