import { createHash, randomBytes } from 'node:crypto';
import { migrate, PRISMA_ADVISORY_LOCK_ID, readMigrations } from '@cauce/db';
import pg from 'pg';

/** Replaces the database name in a PostgreSQL URL. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A migrated template database named after the migrations' content, so it is built once per
 * schema version and reused by every test run after that (CREATE DATABASE … TEMPLATE is fast).
 */
export async function ensureTemplateDatabase(adminUrl: string): Promise<string> {
  const hash = createHash('sha256');
  for (const m of readMigrations()) hash.update(m.name).update(m.checksum);
  const name = `cauce_tpl_${hash.digest('hex').slice(0, 16)}`;
  await admin(adminUrl, async (c) => {
    // Serialise template builds across parallel test runs.
    await c.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_ID + 1]);
    try {
      const { rows } = await c.query('SELECT datname FROM pg_database WHERE datname = $1', [name]);
      // The comment records when the template was last used (see the clean-up below).
      const used = () => c.query(`COMMENT ON DATABASE "${name}" IS '${Math.floor(Date.now() / 1000)}'`);
      if (rows.length > 0) {
        await used();
        return;
      }
      const building = `${name}_building`;
      await c.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      await c.query(`CREATE DATABASE "${building}"`);
      await migrate({ databaseUrl: withDatabase(adminUrl, building) });
      await c.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
      await used();
      // Templates of other schema versions go once unused for a day: a checkout with other
      // migrations (another branch, a parallel run) may still be cloning from its own.
      const old = await c.query(
        `SELECT d.datname, shobj_description(d.oid, 'pg_database') AS last_used FROM pg_database d
         WHERE d.datname LIKE 'cauce_tpl_%' AND d.datname <> $1 AND d.datname NOT LIKE '%_building'`,
        [name],
      );
      const cutoff = Math.floor(Date.now() / 1000) - 24 * 3600;
      for (const r of old.rows) {
        const lastUsed = Number(r.last_used);
        if (!Number.isFinite(lastUsed) || lastUsed < cutoff)
          await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_ID + 1]);
    }
  });
  return name;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database cloned from the migrated template: one per test file. */
export async function createTestDatabase(adminUrl: string, template: string): Promise<TestDatabase> {
  const name = `cauce_t_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  await admin(adminUrl, async (c) => {
    // CREATE DATABASE … TEMPLATE fails while anything else is connected to the template; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        return;
      } catch (err) {
        if (attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 100 + attempt * 50));
      }
    }
  });
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () =>
      admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

/** Drops per-file databases left behind by crashed runs (older than six hours). */
export async function dropStaleTestDatabases(adminUrl: string): Promise<void> {
  const cutoff = Math.floor(Date.now() / 1000) - 6 * 3600;
  await admin(adminUrl, async (c) => {
    const { rows } = await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'cauce_t_%'");
    for (const { datname } of rows) {
      const ts = Number(String(datname).split('_')[2]);
      if (Number.isFinite(ts) && ts < cutoff)
        await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
}
