import { setupTestEnv } from '@cauce/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_COLUMNS } from '../src/statuses.ts';

/** Each state column's CHECK constraint allows exactly the values statuses.ts lists. */
const env = await setupTestEnv();
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: env.databaseUrl });
  await client.connect();
});
afterAll(async () => {
  await client.end();
});

/** The values a CHECK (col IN (...)) constraint allows, read back from the catalog. */
async function allowed(table: string, column: string): Promise<string[]> {
  const { rows } = await client.query<{ def: string }>(
    `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid
      WHERE t.relname = $1 AND c.contype = 'c' AND c.conname = $2`,
    [table, `${table}_${column}_check`],
  );
  expect(rows, `${table}_${column}_check exists`).toHaveLength(1);
  return [...rows[0]!.def.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!).sort();
}

describe('state columns', () => {
  for (const [table, columns] of Object.entries(STATE_COLUMNS))
    for (const [column, values] of Object.entries(columns)) {
      it(`${table}.${column} allows exactly ${values.join(', ')}`, async () => {
        expect(await allowed(table, column)).toEqual([...values].sort());
      });
    }

  it('refuses a value outside the set', async () => {
    await expect(
      client.query(
        `INSERT INTO webhook_events (provider, event_type, dedupe_key, status, payload) VALUES ('x', 'y', 'state-check-1', 'procesed', '{}')`,
      ),
    ).rejects.toThrow(/webhook_events_status_check/);
    await expect(
      client.query(`INSERT INTO sync_runs (source, kind, status) VALUES ('csv', 'import', 'done')`),
    ).rejects.toThrow(/sync_runs_status_check/);
  });
});
