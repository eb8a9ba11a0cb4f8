import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';

export type Db = PrismaClient;

export interface CreateDbOptions {
  /** Pool size; defaults to pg's 10. */
  max?: number;
}

/** One Prisma client over a pg pool (driver adapter: no native query engine needed). */
export function createDb(url: string, options: CreateDbOptions = {}): Db {
  const adapter = new PrismaPg({ connectionString: url, max: options.max ?? 10 });
  return new PrismaClient({ adapter });
}
