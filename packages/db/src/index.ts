export {
  type CreateDbOptions,
  createDatabase,
  createDb,
  type Database,
  type Db,
  isUniqueViolation,
  prismaOver,
} from './client.ts';
export * from './dead-letter.ts';
export { Prisma } from './generated/client.ts';
export type * from './generated/models.ts';
export {
  checksumOf,
  DEFAULT_MIGRATIONS_DIR,
  type MigrateResult,
  MigrationError,
  markRolledBack,
  migrate,
  PRISMA_ADVISORY_LOCK_ID,
  readMigrations,
} from './migrator.ts';
export { createPgPool, type PgPool, type PgTimeouts, pgTimeoutConfig } from './pg-pool.ts';
export {
  isScalarType,
  type PrismaField,
  type PrismaModel,
  parseSchema,
  SCHEMA_PATH,
} from './schema-parser.ts';
export * from './statuses.ts';
export * from './webhook-events.ts';
