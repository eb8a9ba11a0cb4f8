import { createDb } from '@cauce/db';
import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngress } from './support.ts';

const env = await setupTestEnv();
const ROWS = 20_000;

async function upload(base: string, token: string, query: string, csv: string) {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), 'contacts.csv');
  const res = await fetch(`${base}/api/sync/csv?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  // biome-ignore lint/suspicious/noExplicitAny: API JSON, asserted field by field
  return { status: res.status, body: (await res.json()) as any };
}

describe('CSV import into staging (multipart, streamed)', () => {
  let ingress: Awaited<ReturnType<typeof startIngress>>;
  const db = createDb(env.databaseUrl);
  beforeAll(async () => {
    ingress = await startIngress(env);
  });
  afterAll(async () => {
    await ingress?.close();
    await db.$disconnect();
  });

  it('stores every good row with the column mapping and reports bad rows without failing', async () => {
    const lines = ['Correo,Telefono,Nombre Completo,Notas'];
    for (let i = 0; i < ROWS; i++) {
      if (i === 10) lines.push('not-an-email,,Broken,');
      else if (i === 20) lines.push(',,Nobody,');
      else
        lines.push(
          `Person.${i}@Example.org,+57 301 ${String(1_000_000 + i).slice(-7)},"Person ${i}","note, with comma"`,
        );
    }
    const res = await upload(
      ingress.base,
      ingress.token,
      'email=Correo&phone=Telefono&name=Nombre%20Completo',
      lines.join('\n'),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: ROWS, stored: ROWS - 2, errors: 3 });
    expect(res.body.rowErrors).toEqual([
      { row: 11, error: 'invalid email "not-an-email"' },
      { row: 11, error: 'no usable email or phone' },
      { row: 21, error: 'no usable email or phone' },
    ]);
    expect(await db.csvImportRaw.count()).toBe(ROWS - 2);
    const row = await db.csvImportRaw.findFirst({ where: { rowNumber: 1 } });
    expect(row).toMatchObject({
      email: 'person.0@example.org',
      phoneE164: '+573011000000',
      name: 'Person 0',
    });
    expect(row!.payload).toMatchObject({ Notas: 'note, with comma' });
    const run = await db.syncRun.findUnique({ where: { id: BigInt(res.body.runId) } });
    expect(run).toMatchObject({ source: 'csv', status: 'succeeded', processed: ROWS });
  });

  it('imports ManyChat’s CSV export into manychat_contacts_raw (re-import is idempotent)', async () => {
    const csv =
      'User Id,Email,Phone,Name\n111,ann@x.com,+573005550001,Ann\n222,,+573005550002,Ben\n,zed@x.com,,Zed\n';
    const first = await upload(ingress.base, ingress.token, 'target=manychat&id=User%20Id', csv);
    expect(first.body).toMatchObject({ rows: 3, stored: 2, errors: 1 });
    expect(first.body.rowErrors).toEqual([{ row: 3, error: 'no subscriber id' }]);
    const again = await upload(ingress.base, ingress.token, 'target=manychat&id=User%20Id', csv);
    expect(again.body).toMatchObject({ stored: 2 });
    const subs = await db.manychatContactRaw.findMany({ orderBy: { subscriberId: 'asc' } });
    expect(subs.map((s) => [s.subscriberId, s.via, s.email, s.phoneE164])).toEqual([
      ['111', 'csv', 'ann@x.com', '+573005550001'],
      ['222', 'csv', null, '+573005550002'],
    ]);
  });

  it('a CSV that fails part-way ends its run failed with the error; the rows before it stay', async () => {
    // PostgreSQL itself refuses row 3 001 (in the second batch of 2 000): a real failure mid-import.
    await db.$executeRawUnsafe(
      `ALTER TABLE csv_imports_raw ADD CONSTRAINT test_no_poison CHECK (name IS DISTINCT FROM 'Poison')`,
    );
    try {
      const lines = ['email,name'];
      for (let i = 0; i < 5_000; i++)
        lines.push(`row${i}@example.org,${i === 3_000 ? 'Poison' : `Row ${i}`}`);
      const res = await upload(ingress.base, ingress.token, '', lines.join('\n'));
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ error: 'import_failed', stored: 2_000 });
      expect(res.body.message).toMatch(/test_no_poison/);
      const run = await db.syncRun.findUnique({ where: { id: BigInt(res.body.runId) } });
      expect(run).toMatchObject({ source: 'csv', status: 'failed' });
      expect(run!.error).toMatch(/test_no_poison/);
      expect(run!.finishedAt).not.toBeNull();
      expect(await db.csvImportRaw.count({ where: { importId: res.body.importId } })).toBe(2_000);
    } finally {
      await db.$executeRawUnsafe('ALTER TABLE csv_imports_raw DROP CONSTRAINT test_no_poison');
    }
  });

  it('needs the admin role and a multipart body', async () => {
    const anon = await fetch(`${ingress.base}/api/sync/csv`, { method: 'POST' });
    expect(anon.status).toBe(401);
    const notMultipart = await ingress.api('POST', '/api/sync/csv', { a: 1 });
    expect(notMultipart.status).toBe(415);
  });
});
