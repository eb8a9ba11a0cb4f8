import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { createDb } from '@cauce/db';
import { QUEUES } from '@cauce/queues';
import { parseConfig, type WorkerApp } from '@cauce/runtime';
import { freePort, setupTestEnv, startApp, waitFor, workerTestEnv } from '@cauce/testkit';
import { startStagingWorker } from '@cauce/worker-staging';
import { stagingEnv } from '@cauce/worker-staging/config';
import { CSV_BATCH } from '@cauce/worker-staging/csv-import';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngress } from '../ingress.ts';

const env = await setupTestEnv();
const ROWS = 20_000;
const db = createDb(env.databaseUrl);
const workerVars = (vars: Record<string, string> = {}) =>
  workerTestEnv(env, {
    JOB_LOCK_MS: '10000',
    STALLED_INTERVAL_MS: '1000',
    CSV_REQUEUE_INTERVAL_MS: '300',
    ...vars,
  });
const startWorker = () => startStagingWorker(parseConfig(stagingEnv, workerVars()));

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

const runOf = (id: string) => db.syncRun.findUniqueOrThrow({ where: { id: BigInt(id) } });
const waitRun = (id: string, status: string, timeoutMs = 60_000) =>
  waitFor(async () => ((await runOf(id)).status === status ? runOf(id) : null), {
    timeoutMs,
    intervalMs: 100,
    message: `run ${id} ${status}`,
  });
const counters = (run: { counters: unknown }) => run.counters as Record<string, unknown>;

let ingress: Awaited<ReturnType<typeof startIngress>>;
let worker: WorkerApp | undefined;
beforeAll(async () => {
  ingress = await startIngress(env, { CSV_UPLOAD_MAX_BYTES: String(10 * 1024 * 1024) });
});
afterAll(async () => {
  await worker?.close();
  await ingress?.close();
  await db.$disconnect();
});

describe('CSV import: stored by the ingress, staged by worker-staging', () => {
  it('answers 202 with the run, then stores every good row with the mapping and reports bad rows', async () => {
    worker = await startWorker();
    const lines = ['Correo,Telefono,Nombre Completo,Notas'];
    for (let i = 0; i < ROWS; i++) {
      if (i === 10) lines.push('not-an-email,,Broken,');
      else if (i === 20) lines.push(',,Nobody,');
      else
        lines.push(
          `Person.${i}@Example.org,+57 301 ${String(1_000_000 + i).slice(-7)},"Person ${i}","note, with comma"`,
        );
    }
    const csv = lines.join('\n');
    const res = await upload(
      ingress.base,
      ingress.token,
      'email=Correo&phone=Telefono&name=Nombre%20Completo',
      csv,
    );
    expect(res.status).toBe(202);
    const sha256 = createHash('sha256').update(csv).digest('hex');
    expect(res.body).toMatchObject({
      status: 'queued',
      target: 'csv',
      enqueued: true,
      bytes: Buffer.byteLength(csv),
      sha256,
      poll: '/api/sync/runs?source=csv',
    });
    const run = await waitRun(res.body.runId, 'succeeded');
    expect(run).toMatchObject({ source: 'csv', kind: 'import', processed: ROWS, total: ROWS });
    expect(counters(run)).toMatchObject({ rows: ROWS, stored: ROWS - 2, errors: 3, percent: 100 });
    expect(counters(run).rowErrors).toEqual([
      { row: 11, error: 'invalid email', field: 'email', value: 'not-an-email' },
      { row: 11, error: 'no usable email or phone' },
      { row: 21, error: 'no usable email or phone' },
    ]);
    expect(await db.csvImportRaw.count({ where: { importId: res.body.importId } })).toBe(ROWS - 2);
    const row = await db.csvImportRaw.findFirst({ where: { importId: res.body.importId, rowNumber: 1 } });
    expect(row).toMatchObject({
      email: 'person.0@example.org',
      phoneE164: '+573011000000',
      name: 'Person 0',
    });
    expect(row!.payload).toMatchObject({ Notas: 'note, with comma' });
    // The file is gone once imported; its metadata stays.
    const up = await db.csvUpload.findUniqueOrThrow({ where: { runId: run.id } });
    expect(up).toMatchObject({ sha256, byteSize: BigInt(Buffer.byteLength(csv)), target: 'csv' });
    expect(up.chunksDeletedAt).not.toBeNull();
    expect(await db.csvUploadChunk.count({ where: { uploadId: up.id } })).toBe(0);
    // The run is where the Sync Command Center's API reports it.
    const listed = await ingress.api('GET', '/api/sync/runs?source=csv');
    expect(listed.body.runs.map((r: { id: string }) => r.id)).toContain(res.body.runId);
  });

  it('imports ManyChat’s CSV export into manychat_contacts_raw (re-import is idempotent)', async () => {
    const csv =
      'User Id,Email,Phone,Name\n111,ann@x.com,+573005550001,Ann\n222,,+573005550002,Ben\n,zed@x.com,,Zed\n';
    const first = await upload(ingress.base, ingress.token, 'target=manychat&id=User%20Id', csv);
    expect(first.status).toBe(202);
    const run = await waitRun(first.body.runId, 'succeeded');
    expect(counters(run)).toMatchObject({ rows: 3, stored: 2, errors: 1 });
    expect(counters(run).rowErrors).toEqual([{ row: 3, error: 'no subscriber id' }]);
    const again = await upload(ingress.base, ingress.token, 'target=manychat&id=User%20Id', csv);
    expect(counters(await waitRun(again.body.runId, 'succeeded'))).toMatchObject({ stored: 2 });
    const subs = await db.manychatContactRaw.findMany({ orderBy: { subscriberId: 'asc' } });
    expect(subs.map((s) => [s.subscriberId, s.via, s.email, s.phoneE164])).toEqual([
      ['111', 'csv', 'ann@x.com', '+573005550001'],
      ['222', 'csv', null, '+573005550002'],
    ]);
  });

  it('reads a `;` file from a Spanish spreadsheet; an empty column name means the file has none', async () => {
    const cols = await ingress.api('GET', '/api/sync/csv/columns');
    expect(cols.status).toBe(200);
    expect(cols.body.fields).toEqual(['email', 'phone', 'name', 'id']);
    expect(cols.body.guesses.email).toContain('correo electrónico');
    expect(cols.body.delimiters).toContain(';');
    // "Teléfono" would be guessed as the phone; the operator said the file has no phone column.
    const csv =
      '\uFEFFNombre;Correo electrónico;Teléfono\r\n"Ruiz; Ana";ana@x.co;3001112233\r\nLeo;;3001112244\r\n';
    const res = await upload(ingress.base, ingress.token, 'delimiter=%3B&phone=&region=co', csv);
    expect(res.status).toBe(202);
    const run = await waitRun(res.body.runId, 'succeeded');
    expect(counters(run)).toMatchObject({ rows: 2, stored: 1, errors: 1 });
    expect(counters(run).rowErrors).toEqual([{ row: 2, error: 'no usable email or phone' }]);
    const rows = await db.csvImportRaw.findMany({ where: { importId: res.body.importId } });
    expect(rows.map((r) => [r.name, r.email, r.phoneE164])).toEqual([['Ruiz; Ana', 'ana@x.co', null]]);
    // Options that cannot be honoured are refused before anything is stored.
    const before = await db.csvUpload.count();
    for (const bad of ['delimiter=%23', 'region=Colombia'])
      expect((await upload(ingress.base, ingress.token, bad, csv)).status, bad).toBe(400);
    expect(await db.csvUpload.count()).toBe(before);
  });

  it('an import PostgreSQL refuses part-way ends failed with the error; the batches before it stay', async () => {
    // PostgreSQL itself refuses a row of the second batch: a real failure mid-import, on every retry.
    const poison = CSV_BATCH + 1_001;
    await db.$executeRawUnsafe(
      `ALTER TABLE csv_imports_raw ADD CONSTRAINT test_no_poison CHECK (name IS DISTINCT FROM 'Poison')`,
    );
    try {
      const lines = ['email,name'];
      for (let i = 1; i <= CSV_BATCH * 2 + 500; i++)
        lines.push(`row${i}@example.org,${i === poison ? 'Poison' : `Row ${i}`}`);
      const res = await upload(ingress.base, ingress.token, '', lines.join('\n'));
      expect(res.status).toBe(202);
      const run = await waitRun(res.body.runId, 'failed');
      expect(run.error).toMatch(/test_no_poison/);
      expect(run.finishedAt).not.toBeNull();
      expect(await db.csvImportRaw.count({ where: { importId: res.body.importId } })).toBe(CSV_BATCH);
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

  it('refuses a file over CSV_UPLOAD_MAX_BYTES with 413, declared or streamed, and imports nothing', async () => {
    const big = `email\n${'someone@example.org\n'.repeat(600_000)}`; // 12 MB, the limit is 10 MB
    // Declared too large: refused before a byte of the body is read, no run started.
    const runsBefore = await db.syncRun.count({ where: { source: 'csv' } });
    const early = request(`${ingress.base}/api/sync/csv`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ingress.token}`,
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': String(12 * 1024 * 1024),
      },
    });
    early.on('error', () => {});
    const status = await new Promise<number | undefined>((resolve) => {
      early.on('response', (r) => {
        r.resume();
        resolve(r.statusCode);
      });
      early.flushHeaders();
    });
    early.destroy();
    expect(status).toBe(413);
    expect(await db.syncRun.count({ where: { source: 'csv' } })).toBe(runsBefore);

    // Chunked (no Content-Length): the limit is found while streaming.
    const boundary = 'cauce-test-boundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`;
    const parts = [head, big, `\r\n--${boundary}--\r\n`].map((s) => new TextEncoder().encode(s));
    const body = new ReadableStream({
      start(c) {
        for (const p of parts) c.enqueue(p);
        c.close();
      },
    });
    const res = await fetch(`${ingress.base}/api/sync/csv`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ingress.token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    const out = (await res.json()) as { runId: string };
    const run = await runOf(out.runId);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/larger than CSV_UPLOAD_MAX_BYTES/);
    const up = await db.csvUpload.findUniqueOrThrow({ where: { runId: run.id } });
    expect(up.completedAt).toBeNull();
    expect(await db.csvUploadChunk.count({ where: { uploadId: up.id } })).toBe(0);
  });

  it('a client that disconnects mid-upload leaves a failed run, no chunks and no job', async () => {
    const last = await db.syncRun.findFirst({ orderBy: { id: 'desc' } });
    const boundary = 'cauce-disconnect';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.csv"\r\nContent-Type: text/csv\r\n\r\nemail\n`;
    const url = new URL(`${ingress.base}/api/sync/csv`);
    const req = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        authorization: `Bearer ${ingress.token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(3 * 1024 * 1024),
      },
    });
    req.on('error', () => {}); // we cut it ourselves
    req.write(head);
    req.write('cut@example.org\n'.repeat(100_000)); // 1.6 MB of the declared 3 MB
    // Cut once the ingress has the run (it is receiving), then wait for its verdict.
    const run = await waitFor(
      () => db.syncRun.findFirst({ where: { source: 'csv', id: { gt: last?.id ?? 0n } } }),
      { message: 'the upload run' },
    );
    req.destroy();
    const failed = await waitRun(String(run.id), 'failed', 20_000);
    expect(failed.error).toMatch(/^upload interrupted after \d+ bytes/);
    const up = await db.csvUpload.findUniqueOrThrow({ where: { runId: failed.id } });
    expect(up.completedAt).toBeNull();
    expect(await db.csvUploadChunk.count({ where: { uploadId: up.id } })).toBe(0);
    expect(await db.syncRun.count({ where: { source: 'csv', status: 'queued' } })).toBe(0);
    const job = await ingress.deps.producer.queue(QUEUES.stagingCsv).getJob(`csv-${failed.id}`);
    expect(job).toBeUndefined();
  });
});

describe('a worker killed with SIGKILL mid-import', () => {
  it('shows progress while running; a second worker resumes from the checkpoint: every row once', async () => {
    await worker?.close();
    worker = undefined;
    const N = 150_000;
    const bad = new Set([7, 77_777, 149_999]);
    const lines = ['email,phone,name,external id'];
    for (let i = 1; i <= N; i++)
      lines.push(
        bad.has(i)
          ? `bad-${i},not a phone,Bad ${i},x${i}`
          : `user${i}@example.com,300 ${String(1_000_000 + i).slice(-7)},User ${i},x${i}`,
      );
    const port = await freePort();
    const child = await startApp(
      'apps/worker-staging/src/main.ts',
      workerVars({ JOB_LOCK_MS: '1000', STALLED_INTERVAL_MS: '1000', WORKER_PORT: String(port) }),
      { readyUrl: `http://127.0.0.1:${port}/health`, timeoutMs: 60_000 },
    );
    let killed = false;
    try {
      const res = await upload(ingress.base, ingress.token, '', lines.join('\n'));
      expect(res.status).toBe(202);
      const id = res.body.runId as string;
      const running = await waitFor(
        async () => {
          const r = await runOf(id);
          const pct = Number(counters(r).percent ?? 0);
          return r.status === 'running' && r.processed > 0 && pct > 0 && pct < 100 ? r : null;
        },
        { timeoutMs: 60_000, intervalMs: 50, message: 'progress in sync_runs' },
      );
      expect(running.processed).toBeLessThan(N);
      expect(await child.stop('SIGKILL')).toBeNull();
      killed = true;
      const atKill = (await runOf(id)).processed;
      expect(atKill).toBeLessThan(N);

      worker = await startWorker();
      const done = await waitRun(id, 'succeeded', 120_000);
      expect(done.processed).toBe(N);
      expect(counters(done)).toMatchObject({ rows: N, stored: N - 3, errors: 9 });
      expect(Number(counters(done).resumedFrom)).toBeGreaterThanOrEqual(atKill);
      expect(counters(done).rowErrors).toEqual(
        [...bad].flatMap((i) => [
          { row: i, error: 'invalid email', field: 'email', value: `bad-${i}` },
          { row: i, error: 'invalid phone', field: 'phone', value: 'not a phone' },
          { row: i, error: 'no usable email or phone' },
        ]),
      );
      const [counted] = await db.$queryRaw<Array<{ n: bigint; rows: bigint }>>`
        SELECT count(*) AS n, count(DISTINCT row_number) AS rows FROM csv_imports_raw WHERE import_id = ${res.body.importId}`;
      expect(Number(counted!.n)).toBe(N - 3);
      expect(Number(counted!.rows)).toBe(N - 3);
      const last = await db.csvImportRaw.findFirst({
        where: { importId: res.body.importId, rowNumber: N },
      });
      expect(last).toMatchObject({ email: `user${N}@example.com`, externalId: `x${N}` });
    } finally {
      if (!killed) await child.stop('SIGKILL');
    }
  }, 240_000);
});

describe('a committed upload whose job never reached Redis', () => {
  it("is enqueued by worker-staging's periodic sweep and imported", async () => {
    worker ??= await startWorker();
    // What an ingress that died right after the commit leaves: a queued run, a complete upload, no job.
    const csv = Buffer.from('email,name\nlate@example.com,Late\n');
    const run = await db.syncRun.create({
      data: { source: 'csv', kind: 'import', status: 'queued', params: { importId: 'sweep-1' } },
    });
    const up = await db.csvUpload.create({
      data: {
        runId: run.id,
        importId: 'sweep-1',
        target: 'csv',
        options: { region: 'CO' },
        byteSize: BigInt(csv.length),
        sha256: createHash('sha256').update(csv).digest('hex'),
        chunkCount: 1,
        completedAt: new Date(),
      },
    });
    await db.csvUploadChunk.create({ data: { uploadId: up.id, seq: 0, data: new Uint8Array(csv) } });
    const done = await waitRun(String(run.id), 'succeeded', 30_000);
    expect(counters(done)).toMatchObject({ rows: 1, stored: 1, errors: 0 });
    expect(await db.csvImportRaw.count({ where: { importId: 'sweep-1' } })).toBe(1);
  });
});
