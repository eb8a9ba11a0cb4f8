export { createDb, type Db, type CreateDbOptions } from './client.ts';
export {
  migrate,
  markRolledBack,
  readMigrations,
  checksumOf,
  MigrationError,
  PRISMA_ADVISORY_LOCK_ID,
  DEFAULT_MIGRATIONS_DIR,
  type MigrateResult,
} from './migrator.ts';
export { Prisma } from './generated/client.ts';
export type * from './generated/models.ts';
export { parseSchema, isScalarType, SCHEMA_PATH, type PrismaModel, type PrismaField } from './schema-parser.ts';
