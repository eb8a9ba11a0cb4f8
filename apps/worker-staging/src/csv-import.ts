import { toE164 } from '@cauce/providers';
import { type CsvField, csvColumn, csvImportOptions, JOBS, type Producer, QUEUES } from '@cauce/queues';
import { type Logger, PermanentError } from '@cauce/runtime';
import { parse } from 'csv-parse';
import type pg from 'pg';
import { normalizeEmail } from './normalize.ts';
import { inTx } from './runs.ts';

/**
 * CSV import, worker half (docs/staging.md, "CSV import"): reads an upload's chunks in order as
 * one stream, parses it with csv-parse and stages the rows in batches. Bad rows are reported (the
 * first MAX_REPORTED plus a count), never fatal. target=csv -> csv_imports_raw; target=manychat ->
 * manychat_contacts_raw (ManyChat's dashboard export).
 *
 * Resumable: the checkpoint (byte offset after the last record consumed, with the counters at
 * that point) commits with the batch it follows. A retried or retaken job re-reads the header,
 * then continues at that offset; rows written after the checkpoint are written again as no-ops
 * (ON CONFLICT on the row's key).
 */

export const CSV_BATCH = 2_000;
const MAX_REPORTED = 200;
/** Progress and checkpoint are written with a batch at most this often. */
const PROGRESS_MS = 1_000;
/** A queued or running import not updated for this long has lost its job (Redis lost it). */
const STALE_RUN_MS = 10 * 60_000;

/**
 * A refused row. The value that was refused is kept apart from the message, under the field it
 * was read for, so the viewers' redaction masks it like any other contact value.
 */
type RowError = { row: number; error: string; field?: 'email' | 'phone'; value?: string };
interface Progress {
  /** Byte offset just after the last record consumed. */
  offset: number;
  /** Where the header ends (bytes, lines): a resumed parse reads it again before `offset`. */
  headerEnd: number;
  headerLines: number;
  lines: number;
  /** Last line an unreadable record was reported for (the parser may report ahead of `offset`). */
  skippedThrough: number;
  rows: number;
  stored: number;
  errors: number;
  rowErrors: RowError[];
  /** Rows already consumed when the latest attempt started from a checkpoint. */
  resumedFrom?: number;
}

interface Upload {
  upload_id: string;
  import_id: string;
  target: 'csv' | 'manychat';
  options: unknown;
  byte_size: string;
  completed_at: Date | null;
  status: string;
  checkpoint: Progress | null;
}

/** The bytes [from, to) of an upload, chunk by chunk, the next chunk fetched while one is consumed. */
async function* readUpload(pool: pg.Pool, uploadId: string, from: number, to = Number.POSITIVE_INFINITY) {
  const { rows } = await pool.query<{ seq: number; len: number }>(
    'SELECT seq, octet_length(data) AS len FROM csv_upload_chunks WHERE upload_id = $1 ORDER BY seq',
    [uploadId],
  );
  const fetch = (seq: number) =>
    pool
      .query<{ data: Buffer }>('SELECT data FROM csv_upload_chunks WHERE upload_id = $1 AND seq = $2', [
        uploadId,
        seq,
      ])
      .then((r) => r.rows[0]!.data);
  let start = 0;
  const wanted: Array<{ seq: number; start: number; len: number }> = [];
  for (const r of rows) {
    if (start + r.len > from && start < to) wanted.push({ seq: r.seq, start, len: r.len });
    start += r.len;
  }
  let next = wanted[0] ? fetch(wanted[0].seq) : null;
  for (let i = 0; i < wanted.length; i++) {
    const c = wanted[i]!;
    const data = await next!;
    next = wanted[i + 1] ? fetch(wanted[i + 1]!.seq) : null;
    yield data.subarray(Math.max(0, from - c.start), Math.min(c.len, to - c.start));
  }
}

async function writeBatch(c: pg.ClientBase, target: 'csv' | 'manychat', rows: unknown[]) {
  if (rows.length === 0) return;
  const json = JSON.stringify(rows);
  if (target === 'csv') {
    await c.query(
      `INSERT INTO csv_imports_raw (import_id, row_number, email, phone_e164, name, external_id, payload)
       SELECT import_id, row_number, email, phone_e164, name, external_id, payload
         FROM jsonb_to_recordset($1::jsonb) AS x(import_id text, row_number int, email text,
              phone_e164 text, name text, external_id text, payload jsonb)
       ON CONFLICT (import_id, row_number) DO NOTHING`,
      [json],
    );
  } else {
    await c.query(
      `INSERT INTO manychat_contacts_raw (subscriber_id, email, phone_e164, name, via, payload)
       SELECT DISTINCT ON (external_id) external_id, email, phone_e164, name, 'csv', payload
         FROM jsonb_to_recordset($1::jsonb) AS x(row_number int, external_id text, email text,
              phone_e164 text, name text, payload jsonb)
        ORDER BY external_id, row_number DESC
       ON CONFLICT (subscriber_id) DO UPDATE SET email = EXCLUDED.email, phone_e164 = EXCLUDED.phone_e164,
         name = EXCLUDED.name, payload = EXCLUDED.payload, fetched_at = now()
       WHERE manychat_contacts_raw.payload IS DISTINCT FROM EXCLUDED.payload`,
      [json],
    );
  }
}

const countersOf = (p: Progress, bytes: number) => ({
  rows: p.rows,
  stored: p.stored,
  errors: p.errors,
  rowErrors: p.rowErrors,
  bytes,
  bytesRead: p.offset,
  ...(p.resumedFrom === undefined ? {} : { resumedFrom: p.resumedFrom }),
  percent: bytes ? Math.min(100, Math.floor((p.offset / bytes) * 1000) / 10) : 100,
});

/** Imports the upload of run `runId`; resumes from the run's checkpoint when it has one. */
export async function runCsvImport(pool: pg.Pool, runId: string, log: Logger) {
  const { rows } = await pool.query<Upload>(
    `SELECT u.id AS upload_id, u.import_id, u.target, u.options, u.byte_size, u.completed_at,
            r.status, r.checkpoint
       FROM csv_uploads u JOIN sync_runs r ON r.id = u.run_id WHERE u.run_id = $1`,
    [runId],
  );
  const up = rows[0];
  if (!up) throw new PermanentError(`run ${runId} has no CSV upload`);
  if (up.status === 'succeeded' || up.status === 'cancelled') return { skipped: up.status };
  if (!up.completed_at) throw new PermanentError(`the upload of run ${runId} never completed`);
  await pool.query(
    `UPDATE sync_runs SET status = 'running', error = NULL, finished_at = NULL, updated_at = now() WHERE id = $1`,
    [runId],
  );
  const bytes = Number(up.byte_size);
  const resume = up.checkpoint?.offset ? up.checkpoint : null;
  const p: Progress = resume
    ? { ...resume, rowErrors: [...resume.rowErrors], resumedFrom: resume.rows }
    : {
        offset: 0,
        headerEnd: 0,
        headerLines: 0,
        lines: 0,
        skippedThrough: 0,
        rows: 0,
        stored: 0,
        errors: 0,
        rowErrors: [],
      };
  if (resume) log.info({ runId, offset: resume.offset, row: resume.rows }, 'CSV import resumes');
  const fail = (row: number, error: string, refused?: Pick<RowError, 'field' | 'value'>) => {
    p.errors++;
    if (p.rowErrors.length < MAX_REPORTED) p.rowErrors.push({ row, error, ...refused });
  };

  // Uploads stored before an option existed get its default.
  const parsed = csvImportOptions.safeParse(up.options ?? {});
  if (!parsed.success)
    throw new PermanentError(`run ${runId}: unreadable import options (${parsed.error.message})`);
  const o = parsed.data;
  let cols: Record<CsvField, string | undefined> | null = null;
  const parser = parse({
    columns: (header: string[]) => {
      const find = (k: CsvField) => csvColumn(header, k, o);
      cols = { email: find('email'), phone: find('phone'), name: find('name'), id: find('id') };
      if (!resume) {
        p.headerEnd = parser.info.bytes;
        p.headerLines = parser.info.lines;
      }
      return header;
    },
    bom: true,
    delimiter: o.delimiter,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    on_record: (record: Record<string, string>, info: { bytes: number; lines: number }) => ({
      record,
      bytes: info.bytes,
      lines: info.lines,
    }),
  });
  // Lines of a resumed parse count from the re-read header: shift them to the file's lines.
  const lineShift = resume ? resume.lines - resume.headerLines : 0;
  const base = resume ? resume.offset - resume.headerEnd : 0;
  parser.on('skip', (err: Error & { lines?: number }) => {
    const line = (err.lines ?? 0) + lineShift;
    if (line <= p.skippedThrough) return; // reported before the resume
    p.skippedThrough = line;
    fail(line, `unreadable CSV: ${err.message}`);
  });
  const feed = async () => {
    try {
      if (resume) for await (const b of readUpload(pool, up.upload_id, 0, resume.headerEnd)) await write(b);
      for await (const b of readUpload(pool, up.upload_id, resume?.offset ?? 0)) await write(b);
      parser.end();
    } catch (err) {
      parser.destroy(err as Error);
    }
  };
  const write = (b: Buffer) =>
    new Promise<void>((resolve) => (parser.write(b) ? resolve() : parser.once('drain', resolve)));
  void feed();

  let inflight: Promise<void> = Promise.resolve();
  let lastProgress = 0;
  const commit = (batch: unknown[], snapshot: Progress | null) =>
    inTx(pool, async (c) => {
      await writeBatch(c, up.target, batch);
      if (snapshot)
        await c.query(
          `UPDATE sync_runs SET checkpoint = $2::jsonb, counters = $3::jsonb, processed = $4, updated_at = now()
            WHERE id = $1`,
          [runId, JSON.stringify(snapshot), JSON.stringify(countersOf(snapshot, bytes)), snapshot.rows],
        );
    });
  // One batch is written while the next is parsed; commits stay in order.
  // Where the time goes: waiting for PostgreSQL (dbWaitMs) vs reading, parsing and normalising.
  const startedAt = Date.now();
  let dbWaitMs = 0;
  const flush = async (batch: unknown[], force: boolean) => {
    const waitFrom = Date.now();
    await inflight;
    dbWaitMs += Date.now() - waitFrom;
    const due = force || Date.now() - lastProgress >= PROGRESS_MS;
    if (due) lastProgress = Date.now();
    const snapshot = due ? { ...p, rowErrors: [...p.rowErrors] } : null;
    inflight = commit(batch, snapshot);
    inflight.catch(() => {}); // surfaces at the next await, not as an unhandled rejection
  };

  let batch: unknown[] = [];
  for await (const { record: rec, bytes: end, lines } of parser as AsyncIterable<{
    record: Record<string, string>;
    bytes: number;
    lines: number;
  }>) {
    p.offset = end + base;
    p.lines = lines + lineShift;
    const rowNumber = ++p.rows;
    const c = cols as unknown as Record<CsvField, string | undefined>;
    const rawEmail = c.email ? rec[c.email]?.trim() : undefined;
    const rawPhone = c.phone ? rec[c.phone]?.trim() : undefined;
    const e = normalizeEmail(rawEmail);
    const ph = rawPhone ? toE164(rawPhone, [o.region]) : null;
    if (rawEmail && !e) fail(rowNumber, 'invalid email', { field: 'email', value: rawEmail.slice(0, 100) });
    if (rawPhone && !ph) fail(rowNumber, 'invalid phone', { field: 'phone', value: rawPhone.slice(0, 40) });
    const externalId = c.id ? rec[c.id]?.trim() || null : null;
    if (up.target === 'manychat' && !externalId) {
      fail(rowNumber, 'no subscriber id');
      continue;
    }
    if (!e && !ph && up.target === 'csv') {
      fail(rowNumber, 'no usable email or phone');
      continue;
    }
    batch.push({
      import_id: up.import_id,
      row_number: rowNumber,
      email: e,
      phone_e164: ph,
      name: c.name ? rec[c.name]?.trim() || null : null,
      external_id: externalId,
      payload: rec,
    });
    p.stored++;
    if (batch.length >= CSV_BATCH) {
      await flush(batch, false);
      batch = [];
    }
  }
  p.offset = bytes;
  await flush(batch, true);
  const waitFrom = Date.now();
  await inflight;
  dbWaitMs += Date.now() - waitFrom;

  const counters = { ...countersOf(p, bytes), timings: { totalMs: Date.now() - startedAt, dbWaitMs } };
  await inTx(pool, async (c) => {
    await c.query(
      `UPDATE sync_runs SET status = 'succeeded', processed = $2, total = $2, counters = $3::jsonb,
         error = $4, finished_at = now(), updated_at = now() WHERE id = $1`,
      [runId, p.rows, JSON.stringify(counters), p.errors ? `${p.errors} rows with errors` : null],
    );
    // The file served its purpose: only its metadata (size, sha256) stays.
    await c.query('DELETE FROM csv_upload_chunks WHERE upload_id = $1', [up.upload_id]);
    await c.query('UPDATE csv_uploads SET chunks_deleted_at = now() WHERE id = $1', [up.upload_id]);
  });
  return { rows: p.rows, stored: p.stored, errors: p.errors };
}

/**
 * Enqueues every CSV import whose upload is committed but whose job may not exist: queued runs
 * (Redis did not answer the ingress after the commit) and runs silent for STALE_RUN_MS (Redis
 * lost the job). Re-adding a live job is a no-op (jobId from the run id). worker-staging runs
 * this at start and after every Redis reconnect.
 */
export async function requeueCsvRuns(pool: pg.Pool, producer: Producer, log: Logger) {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT r.id::text FROM sync_runs r JOIN csv_uploads u ON u.run_id = r.id
      WHERE r.source = 'csv' AND u.completed_at IS NOT NULL
        AND (r.status = 'queued' OR (r.status = 'running' AND r.updated_at < now() - make_interval(secs => $1)))
      ORDER BY r.id`,
    [STALE_RUN_MS / 1000],
  );
  for (const { id } of rows)
    await producer.add(QUEUES.stagingCsv, JOBS.stagingCsvImport, { runId: id }, { dedupeKey: `csv-${id}` });
  if (rows.length) log.info({ runs: rows.length }, 'CSV imports enqueued from sync_runs');
  return rows.length;
}
