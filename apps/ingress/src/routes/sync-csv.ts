import { createHash, randomUUID } from 'node:crypto';
import {
  CSV_COLUMN_GUESSES,
  CSV_DELIMITERS,
  CSV_FIELDS,
  csvImportOptions,
  JOBS,
  QUEUES,
} from '@cauce/queues';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';
import { AUTH, doc, errors, VIEWER_AUTH } from '../http/schemas.ts';
import { withTimeout } from '../with-timeout.ts';

/**
 * CSV import, HTTP half (docs/staging.md, "CSV import"): POST /api/sync/csv streams the one file
 * of a multipart body into csv_upload_chunks as it arrives (never whole in memory), then commits
 * the upload complete together with its sync_runs row turning 'queued', enqueues the import on
 * staging-csv and answers 202. worker-staging parses and stages it (apps/worker-staging/src/csv-import.ts).
 */

/** Bytes per stored chunk: large enough that a 100 MB file is a hundred inserts. */
const CHUNK_BYTES = 1024 * 1024;
/** Upload progress (counters.uploadedBytes) is written at most this often. */
const PROGRESS_MS = 1_000;
/** Multipart framing around the file: a Content-Length beyond limit + this is refused at once. */
const MULTIPART_OVERHEAD = 64 * 1024;

export const csvImportQuery = csvImportOptions.extend({
  target: z.enum(['csv', 'manychat']).default('csv'),
});

const accepted = z.object({
  runId: z.string(),
  importId: z.string(),
  target: z.enum(['csv', 'manychat']),
  status: z.literal('queued'),
  bytes: z.number().int(),
  sha256: z.string(),
  enqueued: z.boolean().describe('false: Redis did not answer; worker-staging enqueues queued runs itself'),
  poll: z.string().describe('where the run reports progress, counters and row errors'),
});
const csvSchema = {
  ...doc({
    summary: 'Upload a CSV into staging (multipart/form-data, one file)',
    description:
      'The file is stored in PostgreSQL as it arrives, then imported by worker-staging: ' +
      'csv_imports_raw (target=csv) or manychat_contacts_raw (target=manychat, ManyChat’s ' +
      'dashboard export). The column of each field is named by its query parameter, or found ' +
      'among common header names (`GET /api/sync/csv/columns`); `delimiter` is the field separator ' +
      '(`;` for spreadsheets set to Spanish). Progress, counters and the first 200 row errors are in the run ' +
      '(`GET /api/sync/runs?source=csv`); bad rows are reported, never fatal.',
    tags: ['sync'],
    auth: 'admin',
  }),
  querystring: csvImportQuery,
  response: {
    202: accepted.describe('stored; the import run is queued'),
    ...errors({
      400: 'invalid query, no file, or the upload broke off (its run is failed)',
      413: 'file larger than CSV_UPLOAD_MAX_BYTES; nothing is imported',
      415: 'not multipart/form-data',
    }),
    ...AUTH,
  },
};

export async function csvImportRoutes(scope: FastifyInstance, { db, pool, producer, config }: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const maxBytes = config.CSV_UPLOAD_MAX_BYTES;
  // Chunks go through plain pg (the pool under Prisma): Prisma's Bytes path costs ~20x more CPU per megabyte.
  await app.register(multipart, {
    limits: { files: 1, fileSize: maxBytes, fields: 10 },
    // A file over the limit is reported by file.truncated and answered 413 here.
    throwFileSizeLimit: false,
  });

  const columnsSchema = {
    ...doc({
      summary: "A CSV import's mappable fields and the header names guessed for each",
      description:
        'What the console offers before an upload: a column left unmapped is found among these names (trimmed, lower case).',
      tags: ['sync'],
      auth: 'viewer',
    }),
    response: {
      200: z
        .object({
          fields: z.array(z.enum(CSV_FIELDS)),
          guesses: z.record(z.enum(CSV_FIELDS), z.array(z.string())),
          delimiters: z.array(z.enum(CSV_DELIMITERS)),
        })
        .describe('the fields, their guesses and the accepted separators'),
      ...VIEWER_AUTH,
    },
  };
  app.get(
    '/api/sync/csv/columns',
    { preValidation: app.requireRole('viewer'), schema: columnsSchema },
    async () => ({
      fields: [...CSV_FIELDS],
      guesses: Object.fromEntries(CSV_FIELDS.map((f) => [f, [...CSV_COLUMN_GUESSES[f]]])) as Record<
        (typeof CSV_FIELDS)[number],
        string[]
      >,
      delimiters: [...CSV_DELIMITERS],
    }),
  );

  const tooLarge = { error: 'body_too_large', message: `CSV uploads are limited to ${maxBytes} bytes` };

  app.post(
    '/api/sync/csv',
    { preValidation: app.requireRole('admin'), schema: csvSchema },
    async (req, reply) => {
      if (!req.isMultipart())
        return reply
          .code(415)
          .send({ error: 'unsupported_media_type', message: 'multipart/form-data with a file is required' });
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxBytes + MULTIPART_OVERHEAD) return reply.code(413).send(tooLarge);
      const file = await req.file();
      if (!file) return reply.code(400).send({ error: 'bad_request', message: 'no file' });
      const { target, ...options } = req.query;
      const importId = randomUUID();

      const { run, upload } = await db.$transaction(async (tx) => {
        const run = await tx.syncRun.create({
          data: {
            source: 'csv',
            kind: 'import',
            status: 'running',
            params: { importId, target, file: file.filename, phase: 'upload' },
          },
        });
        const upload = await tx.csvUpload.create({
          data: { runId: run.id, importId, filename: file.filename.slice(0, 500), target, options },
        });
        return { run, upload };
      });
      const runId = String(run.id);
      const fail = async (message: string) => {
        // No half upload is ever imported: the chunks go, the run says why it ended.
        await pool.query('DELETE FROM csv_upload_chunks WHERE upload_id = $1', [String(upload.id)]);
        await db.syncRun.update({
          where: { id: run.id },
          data: { status: 'failed', error: message.slice(0, 2_000), finishedAt: new Date() },
        });
      };

      const hash = createHash('sha256');
      let bytes = 0;
      let seq = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let lastProgress = Date.now();
      const flush = async () => {
        if (pendingBytes === 0) return;
        const data = Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        await pool.query('INSERT INTO csv_upload_chunks (upload_id, seq, data) VALUES ($1, $2, $3)', [
          String(upload.id),
          seq++,
          data,
        ]);
        if (Date.now() - lastProgress >= PROGRESS_MS) {
          lastProgress = Date.now();
          await db.syncRun.update({ where: { id: run.id }, data: { counters: { uploadedBytes: bytes } } });
        }
      };
      try {
        for await (const piece of file.file as AsyncIterable<Buffer>) {
          hash.update(piece);
          bytes += piece.length;
          pending.push(piece);
          pendingBytes += piece.length;
          if (pendingBytes >= CHUNK_BYTES) await flush();
        }
        if (file.file.truncated) {
          await fail(`file larger than CSV_UPLOAD_MAX_BYTES (${maxBytes} bytes): nothing imported`);
          return reply.code(413).send({ ...tooLarge, runId });
        }
        await flush();
      } catch (err) {
        const message = `upload interrupted after ${bytes} bytes: ${(err as Error).message.slice(0, 500)}`;
        req.log.warn({ runId, bytes, err: (err as Error).message }, 'CSV upload broke off; run failed');
        await fail(message).catch((e) =>
          req.log.error({ err: e, runId }, 'could not record the interrupted CSV upload'),
        );
        if (reply.raw.destroyed || req.raw.destroyed) return reply; // the client is gone
        return reply.code(400).send({ error: 'upload_interrupted', message, runId });
      }

      const sha256 = hash.digest('hex');
      await db.$transaction([
        db.csvUpload.update({
          where: { id: upload.id },
          data: { byteSize: BigInt(bytes), sha256, chunkCount: seq, completedAt: new Date() },
        }),
        db.syncRun.update({
          where: { id: run.id },
          data: {
            status: 'queued',
            params: { importId, target, file: file.filename, bytes, sha256 },
            counters: { uploadedBytes: bytes, bytes, bytesRead: 0, percent: 0 },
          },
        }),
      ]);
      // Committed: from here the run cannot be lost. If Redis does not answer, worker-staging
      // enqueues every queued CSV run itself when it (re)connects (csv-import.ts, requeueCsvRuns).
      const enqueued = await withTimeout(
        producer.add(QUEUES.stagingCsv, JOBS.stagingCsvImport, { runId }, { dedupeKey: `csv-${runId}` }),
        config.ADMIN_QUEUE_TIMEOUT_MS,
      ).then(
        () => true,
        (err) => {
          req.log.warn({ runId, err: (err as Error).message }, 'CSV import stored but not enqueued');
          return false;
        },
      );
      return reply.code(202).send({
        runId,
        importId,
        target,
        status: 'queued',
        bytes,
        sha256,
        enqueued,
        poll: '/api/sync/runs?source=csv',
      });
    },
  );
}
