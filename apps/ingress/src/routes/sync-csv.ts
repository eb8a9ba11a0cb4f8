import { randomUUID } from 'node:crypto';
import type { Db } from '@cauce/db';
import multipart from '@fastify/multipart';
import { parse } from 'csv-parse';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import { AUTH, doc, errors } from '../http/schemas.ts';

/**
 * CSV import into staging (docs/staging.md): POST /api/sync/csv, multipart with one file. The
 * file is streamed through csv-parse and written in batches (never held whole in memory), so
 * any size works. Bad rows are reported (first MAX_REPORTED, plus a count), never fatal.
 * target=csv -> csv_imports_raw; target=manychat -> manychat_contacts_raw (ManyChat's export).
 */

const BATCH = 2_000;
const MAX_REPORTED = 200;
const UNICODE_SPACE = /[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+/g;

const query = z.object({
  target: z.enum(['csv', 'manychat']).default('csv'),
  /** Column mapping: the CSV header that holds each field (defaults: common header names). */
  email: z.string().max(200).optional(),
  phone: z.string().max(200).optional(),
  name: z.string().max(200).optional(),
  id: z.string().max(200).optional(),
  region: z.string().length(2).default('CO'),
});

const counters = { rows: z.number().int(), stored: z.number().int(), errors: z.number().int() };
const csvSchema = {
  ...doc({
    summary: 'Import a CSV upload into staging (multipart/form-data, one file)',
    description:
      'target=csv -> csv_imports_raw; target=manychat -> manychat_contacts_raw (ManyChat export). The column of each field is named by its query parameter, or found among common header names. Bad rows are reported (the first 200, and a count), never fatal.',
    tags: ['sync'],
    auth: 'admin',
  }),
  querystring: query,
  response: {
    200: z
      .object({
        importId: z.string(),
        runId: z.string(),
        target: z.enum(['csv', 'manychat']),
        ...counters,
        rowErrors: z.array(z.object({ row: z.number().int(), error: z.string() })),
      })
      .describe('imported: counts, and the first rows refused and why'),
    ...errors({
      400: 'invalid query, or no file in the upload',
      415: 'not multipart/form-data',
      500: 'failed part-way (rows stored before stay; the run says where it stopped)',
    }),
    ...AUTH,
  },
};

const DEFAULTS: Record<'email' | 'phone' | 'name' | 'id', string[]> = {
  email: ['email', 'e-mail', 'correo', 'email address'],
  phone: ['phone', 'telefono', 'teléfono', 'phone number', 'whatsapp phone', 'mobile'],
  name: ['name', 'full name', 'nombre'],
  id: ['id', 'subscriber id', 'user id', 'contact id', 'external id'],
};

function email(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const e = raw.replace(UNICODE_SPACE, '').toLowerCase();
  return /^[^@]+@[^@]+\.[^@]+$/.test(e) ? e : null;
}
function phone(raw: unknown, region: string): string | null {
  if (typeof raw !== 'string') return null;
  const s = raw.replace(UNICODE_SPACE, '');
  if (!s) return null;
  const p = parsePhoneNumberFromString(s, region as CountryCode);
  return p?.isValid() ? p.number : null;
}

async function writeBatch(db: Db, target: 'csv' | 'manychat', rows: unknown[]) {
  if (rows.length === 0) return;
  const json = JSON.stringify(rows);
  if (target === 'csv') {
    await db.$executeRaw`
      INSERT INTO csv_imports_raw (import_id, row_number, email, phone_e164, name, external_id, payload)
      SELECT import_id, row_number, email, phone_e164, name, external_id, payload
        FROM jsonb_to_recordset(${json}::jsonb) AS x(import_id text, row_number int, email text,
             phone_e164 text, name text, external_id text, payload jsonb)
      ON CONFLICT (import_id, row_number) DO NOTHING`;
  } else {
    await db.$executeRaw`
      INSERT INTO manychat_contacts_raw (subscriber_id, email, phone_e164, name, via, payload)
      SELECT DISTINCT ON (external_id) external_id, email, phone_e164, name, 'csv', payload
        FROM jsonb_to_recordset(${json}::jsonb) AS x(row_number int, external_id text, email text,
             phone_e164 text, name text, payload jsonb)
       ORDER BY external_id, row_number DESC
      ON CONFLICT (subscriber_id) DO UPDATE SET email = EXCLUDED.email, phone_e164 = EXCLUDED.phone_e164,
        name = EXCLUDED.name, payload = EXCLUDED.payload, fetched_at = now()
      WHERE manychat_contacts_raw.payload IS DISTINCT FROM EXCLUDED.payload`;
  }
}

export async function csvImportRoutes(scope: FastifyInstance, db: Db) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  await app.register(multipart, { limits: { files: 1, fileSize: 2 * 1024 * 1024 * 1024, fields: 10 } });

  app.post(
    '/api/sync/csv',
    { preValidation: app.requireRole('admin'), schema: csvSchema },
    async (req, reply) => {
      const q = req.query;
      if (!req.isMultipart())
        return reply.code(415).send({
          error: 'multipart/form-data with a file is required',
          message: 'multipart/form-data with a file is required',
        });
      const file = await req.file();
      if (!file) return reply.code(400).send({ error: 'no file', message: 'no file' });
      const { target, region } = q;
      const importId = randomUUID();
      const run = await db.syncRun.create({
        data: {
          source: 'csv',
          kind: 'import',
          status: 'running',
          params: { importId, target, file: file.filename },
        },
      });

      const errors: Array<{ row: number; error: string }> = [];
      let errorCount = 0;
      const fail = (row: number, error: string) => {
        errorCount++;
        if (errors.length < MAX_REPORTED) errors.push({ row, error });
      };
      let cols: Record<'email' | 'phone' | 'name' | 'id', string | undefined> | null = null;
      const parser = parse({
        columns: (header: string[]) => {
          const find = (k: keyof typeof DEFAULTS) =>
            q[k] ?? header.find((h) => DEFAULTS[k].includes(h.trim().toLowerCase()));
          cols = { email: find('email'), phone: find('phone'), name: find('name'), id: find('id') };
          return header;
        },
        bom: true,
        skip_empty_lines: true,
        relax_column_count: true,
        skip_records_with_error: true,
      });
      parser.on('skip', (err: Error & { lines?: number }) =>
        fail(err.lines ?? 0, `unreadable CSV: ${err.message}`),
      );
      file.file.pipe(parser);

      let rowNumber = 0;
      let stored = 0;
      try {
        let batch: unknown[] = [];
        for await (const rec of parser as AsyncIterable<Record<string, string>>) {
          rowNumber++;
          const c = cols as unknown as Record<'email' | 'phone' | 'name' | 'id', string | undefined>;
          const rawEmail = c.email ? rec[c.email]?.trim() : undefined;
          const rawPhone = c.phone ? rec[c.phone]?.trim() : undefined;
          const e = email(rawEmail);
          const p = phone(rawPhone, region);
          if (rawEmail && !e) fail(rowNumber, `invalid email "${rawEmail.slice(0, 100)}"`);
          if (rawPhone && !p) fail(rowNumber, `invalid phone "${rawPhone.slice(0, 40)}"`);
          const externalId = c.id ? rec[c.id]?.trim() || null : null;
          if (target === 'manychat' && !externalId) {
            fail(rowNumber, 'no subscriber id');
            continue;
          }
          if (!e && !p && target === 'csv') {
            fail(rowNumber, 'no usable email or phone');
            continue;
          }
          batch.push({
            import_id: importId,
            row_number: rowNumber,
            email: e,
            phone_e164: p,
            name: c.name ? rec[c.name]?.trim() || null : null,
            external_id: externalId,
            payload: rec,
          });
          if (batch.length >= BATCH) {
            await writeBatch(db, target, batch);
            stored += batch.length;
            batch = [];
            await db.syncRun.update({ where: { id: run.id }, data: { processed: rowNumber } });
          }
        }
        await writeBatch(db, target, batch);
        stored += batch.length;
        const truncated = file.file.truncated;
        if (truncated) fail(rowNumber, 'file larger than the upload limit: the rest was not read');
        const counters = { rows: rowNumber, stored, errors: errorCount };
        await db.syncRun.update({
          where: { id: run.id },
          data: {
            status: 'succeeded',
            processed: rowNumber,
            total: rowNumber,
            counters,
            error: errorCount ? `${errorCount} rows with errors` : null,
            finishedAt: new Date(),
          },
        });
        return { importId, runId: String(run.id), target, ...counters, rowErrors: errors };
      } catch (err) {
        // A failure part-way (PostgreSQL refused a batch, went away, the upload broke off) ends the
        // run 'failed' with the error: rows already committed stay, and the run says where it stopped.
        const message = `import failed at row ${rowNumber} (${stored} rows stored before it): ${(err as Error).message.slice(0, 1_500)}`;
        file.file.unpipe(parser);
        file.file.resume(); // drain the rest of the upload so the answer reaches the client
        await db.syncRun
          .update({
            where: { id: run.id },
            data: {
              status: 'failed',
              processed: rowNumber,
              counters: { rows: rowNumber, stored, errors: errorCount },
              error: message,
              finishedAt: new Date(),
            },
          })
          .catch((e) =>
            req.log.error({ err: e, runId: String(run.id) }, 'could not record the failed CSV import'),
          );
        req.log.error({ err, runId: String(run.id), row: rowNumber }, 'CSV import failed part-way');
        return reply.code(500).send({
          error: 'import_failed',
          message,
          importId,
          runId: String(run.id),
          rows: rowNumber,
          stored,
        });
      }
    },
  );
}
