import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@cauce/testkit';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { checksumOf, MigrationError, markRolledBack, migrate } from '../src/migrator.ts';

const adminUrl = inject('databaseUrl');
const dropLater: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const drop of dropLater) await drop().catch(() => {});
});

/** An empty database (cloned from template0) and a private migrations folder. */
async function fresh(migrations: Record<string, string>) {
  const db = await createTestDatabase(adminUrl, 'template0');
  dropLater.push(db.drop);
  const dir = mkdtempSync(join(tmpdir(), 'cauce-migrations-'));
  dropLater.push(async () => rmSync(dir, { recursive: true, force: true }));
  for (const [name, sql] of Object.entries(migrations)) writeMigration(dir, name, sql);
  return { url: db.url, dir };
}

function writeMigration(dir: string, name: string, sql: string) {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, name, 'migration.sql'), sql);
}

async function query(url: string, sql: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}

const M1 = 'CREATE TABLE "a" ("id" SERIAL PRIMARY KEY, "n" INTEGER NOT NULL);';
const M2 = 'CREATE TABLE "b" ("id" SERIAL PRIMARY KEY);\nINSERT INTO "a" ("n") VALUES (1);';

describe('migrator', () => {
  it('applies every migration in order on a fresh database and records rows as Prisma does', async () => {
    const { url, dir } = await fresh({ '20260101000000_a': M1, '20260102000000_b': M2 });
    const lines: string[] = [];
    const res = await migrate({ databaseUrl: url, migrationsDir: dir, log: (l) => lines.push(l) });
    expect(res.applied).toEqual(['20260101000000_a', '20260102000000_b']);
    expect(lines).toEqual(['applied 20260101000000_a', 'applied 20260102000000_b']);
    const rows = await query(url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      migration_name: '20260101000000_a',
      checksum: checksumOf(M1),
      logs: null,
      rolled_back_at: null,
      applied_steps_count: 1,
    });
    expect(rows[0].id).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[0].finished_at).toBeInstanceOf(Date);
    const cols = await query(
      url,
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position",
    );
    expect(cols.map((c) => c.column_name)).toEqual([
      'id',
      'checksum',
      'finished_at',
      'migration_name',
      'logs',
      'rolled_back_at',
      'started_at',
      'applied_steps_count',
    ]);
    expect(await query(url, 'SELECT n FROM a')).toEqual([{ n: 1 }]);
  });

  it('is a no-op when run again', async () => {
    const { url, dir } = await fresh({ '20260101000000_a': M1, '20260102000000_b': M2 });
    await migrate({ databaseUrl: url, migrationsDir: dir });
    const again = await migrate({ databaseUrl: url, migrationsDir: dir });
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(['20260101000000_a', '20260102000000_b']);
    expect(await query(url, 'SELECT count(*)::int AS n FROM "_prisma_migrations"')).toEqual([{ n: 2 }]);
    expect(await query(url, 'SELECT n FROM a')).toEqual([{ n: 1 }]);
  });

  it('applies each migration once when several migrators start at the same time', async () => {
    const { url, dir } = await fresh({ '20260101000000_a': M1, '20260102000000_b': M2 });
    const results = await Promise.all(
      Array.from({ length: 4 }, () => migrate({ databaseUrl: url, migrationsDir: dir })),
    );
    const appliedCounts = results.map((r) => r.applied.length).sort();
    expect(appliedCounts).toEqual([0, 0, 0, 2]);
    expect(await query(url, 'SELECT count(*)::int AS n FROM "_prisma_migrations"')).toEqual([{ n: 2 }]);
    expect(await query(url, 'SELECT n FROM a')).toEqual([{ n: 1 }]);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const { url, dir } = await fresh({ '20260101000000_a': M1 });
    await migrate({ databaseUrl: url, migrationsDir: dir });
    writeMigration(dir, '20260101000000_a', `${M1}\n-- edited`);
    writeMigration(dir, '20260102000000_b', M2);
    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
      /20260101000000_a was modified after it was applied/,
    );
    // Nothing after the edited migration ran.
    expect(await query(url, "SELECT to_regclass('public.b') AS t")).toEqual([{ t: null }]);
  });

  it('records a failed migration, stops there, and refuses to continue until it is resolved', async () => {
    const bad = 'CREATE TABLE "c" ("id" SERIAL PRIMARY KEY);\nSELECT * FROM "no_such_table";';
    const { url, dir } = await fresh({
      '20260101000000_a': M1,
      '20260102000000_bad': bad,
      '20260103000000_b': M2,
    });
    const err = await migrate({ databaseUrl: url, migrationsDir: dir }).catch((e) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(err.migration).toBe('20260102000000_bad');
    const rows = await query(
      url,
      'SELECT migration_name, finished_at, logs FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ migration_name: '20260102000000_bad', finished_at: null });
    expect(rows[1].logs).toMatch(/no_such_table/);
    // The failed script's own statements were rolled back, and the next migration never ran.
    expect(await query(url, "SELECT to_regclass('public.c') AS c, to_regclass('public.b') AS b")).toEqual([
      { c: null, b: null },
    ]);
    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
      /failed earlier and was not resolved/,
    );

    // Fixed and marked rolled back (prisma migrate resolve --rolled-back), it runs again.
    writeMigration(dir, '20260102000000_bad', 'CREATE TABLE "c" ("id" SERIAL PRIMARY KEY);');
    expect(await markRolledBack(url, '20260102000000_bad')).toBe(true);
    const res = await migrate({ databaseUrl: url, migrationsDir: dir });
    expect(res.applied).toEqual(['20260102000000_bad', '20260103000000_b']);
  });
});
