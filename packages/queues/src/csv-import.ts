import { z } from 'zod';

/**
 * A CSV import's column mapping and reading options, as the upload stores them (csv_uploads.options)
 * and worker-staging reads them. One place: the ingress validates the upload's query with it, the
 * console offers the same header guesses (GET /api/sync/csv/columns), the worker applies them.
 */
export const CSV_FIELDS = ['email', 'phone', 'name', 'id'] as const;
export type CsvField = (typeof CSV_FIELDS)[number];

/** Header names taken for a field when the upload names no column (compared trimmed, lower case). */
export const CSV_COLUMN_GUESSES: Readonly<Record<CsvField, readonly string[]>> = {
  email: ['email', 'e-mail', 'correo', 'correo electrónico', 'email address'],
  phone: ['phone', 'telefono', 'teléfono', 'celular', 'phone number', 'whatsapp phone', 'mobile'],
  name: ['name', 'full name', 'nombre', 'nombre completo'],
  id: ['id', 'subscriber id', 'user id', 'contact id', 'external id'],
};

/** Field separators a CSV may use: spreadsheets set to Spanish write `;`. */
export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;

export const csvImportOptions = z.object({
  /** The CSV header that holds each field (absent: the first header among the guesses; empty: none). */
  email: z.string().max(200).optional(),
  phone: z.string().max(200).optional(),
  name: z.string().max(200).optional(),
  id: z.string().max(200).optional(),
  /** Country of phone numbers written without a +country code (ISO 3166 alpha-2). */
  region: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'a two-letter country code, e.g. CO')
    .transform((s) => s.toUpperCase())
    .default('CO'),
  delimiter: z.enum(CSV_DELIMITERS).default(','),
});
export type CsvImportOptions = z.output<typeof csvImportOptions>;

/**
 * The column of `field` in `header`: the one the options name (an empty name: the file has none),
 * else the first guess found.
 */
export function csvColumn(header: readonly string[], field: CsvField, options: Partial<CsvImportOptions>) {
  const named = options[field];
  if (named !== undefined) return named === '' ? undefined : named;
  return header.find((h) => CSV_COLUMN_GUESSES[field].includes(h.trim().toLowerCase()));
}
