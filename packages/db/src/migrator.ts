import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/**
 * Applies prisma/migrations/<name>/migration.sql in name order and records them in
 * `_prisma_migrations` exactly as Prisma's schema engine does (same table, uuid id,
 * sha256 hex checksum of the file, started/finished timestamps, applied_steps_count),
 * so `prisma migrate deploy` / `status` agree wherever the native engine is available.
 * Prisma's CLI cannot migrate on this machine (it downloads a native engine), hence this.
 */

/** The advisory lock id Prisma's schema engine takes, so our migrator and Prisma exclude each other. */
export const PRISMA_ADVISORY_LOCK_ID = 72707369;

// The build copies prisma/migrations beside the compiled migrator (dist/migrations), so a deployed
// @cauce/db migrates without the repository; from source it reads the repository's folder.
const BUILT_MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));
export const DEFAULT_MIGRATIONS_DIR = existsSync(BUILT_MIGRATIONS_DIR)
  ? BUILT_MIGRATIONS_DIR
  : resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../prisma/migrations');

export interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
  /** Applied in the database but absent from the migrations folder. */
  unknown: string[];
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migration?: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

export function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): LocalMigration[] {
  if (!existsSync(dir)) throw new MigrationError(`migrations folder not found: ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: checksumOf(sql) };
    });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export interface MigrateOptions {
  databaseUrl: string;
  migrationsDir?: string;
  log?: (line: string) => void;
}

export async function migrate({
  databaseUrl,
  migrationsDir,
  log = () => {},
}: MigrateOptions): Promise<MigrateResult> {
  const local = readMigrations(migrationsDir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Session-level lock: a second migrator waits here, then finds everything applied.
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_ID]);
    await client.query(CREATE_TABLE);
    const { rows } = await client.query<AppliedRow>(
      'SELECT id, migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
    );
    const live = rows.filter((r) => r.rolled_back_at === null);

    const failed = live.find((r) => r.finished_at === null);
    if (failed) {
      throw new MigrationError(
        `migration ${failed.migration_name} failed earlier and was not resolved; fix the database, then run ` +
          `\`pnpm db:migrate --rolled-back ${failed.migration_name}\` to retry it`,
        failed.migration_name,
      );
    }

    const byName = new Map(live.map((r) => [r.migration_name, r]));
    const localNames = new Set(local.map((m) => m.name));
    const result: MigrateResult = { applied: [], alreadyApplied: [], unknown: [] };
    for (const r of live) if (!localNames.has(r.migration_name)) result.unknown.push(r.migration_name);
    for (const name of result.unknown) log(`warning: ${name} is applied in the database but missing locally`);

    for (const m of local) {
      const row = byName.get(m.name);
      if (row) {
        if (row.checksum !== m.checksum) {
          throw new MigrationError(
            `migration ${m.name} was modified after it was applied (checksum ${row.checksum.slice(0, 12)}… ` +
              `in the database, ${m.checksum.slice(0, 12)}… on disk); add a new migration instead`,
            m.name,
          );
        }
        result.alreadyApplied.push(m.name);
        continue;
      }
      await applyOne(client, m);
      result.applied.push(m.name);
      log(`applied ${m.name}`);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_ID]).catch(() => {});
    await client.end();
  }
}

async function applyOne(client: pg.Client, m: LocalMigration): Promise<void> {
  const id = randomUUID();
  await client.query(
    'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
    [id, m.checksum, m.name],
  );
  try {
    // One simple-protocol query: PostgreSQL runs a multi-statement script as one implicit transaction.
    await client.query(m.sql);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, message]);
    throw new MigrationError(`migration ${m.name} failed: ${message}`, m.name);
  }
  await client.query(
    'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
    [id],
  );
}

/** Marks a failed migration as rolled back so the next run retries it (prisma migrate resolve --rolled-back). */
export async function markRolledBack(databaseUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const res = await client.query(
      'UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL',
      [name],
    );
    return (res.rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}
