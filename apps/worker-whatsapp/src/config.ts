import { type CountryCode, isCountryCode } from '@cauce/providers';
import { baseEnv, bool, workerEnv } from '@cauce/runtime';
import { z } from 'zod';

const country = z
  .string()
  .transform((s, ctx): CountryCode => {
    const code = s.trim().toUpperCase();
    if (isCountryCode(code)) return code;
    ctx.addIssue({ code: 'custom', message: 'an ISO 3166-1 alpha-2 country code, e.g. CO' });
    return z.NEVER;
  })
  .default('CO');

/** What the sync itself needs (the worker and the CLI share it). */
const syncVars = {
  /** The connections file (JSON array, or an object with a `connections` array). */
  WHATSAPP_CONNECTIONS_FILE: z.string().min(1).optional(),
  /** Country for numbers written without a "+" country code. */
  WHATSAPP_DEFAULT_COUNTRY: country,
};

/** Every variable worker-whatsapp reads (docs/whatsapp.md lists them). */
export const whatsappEnv = workerEnv.extend({
  ...syncVars,
  /** Period of the job scheduler (one schedule however many replicas run). */
  WHATSAPP_SYNC_INTERVAL_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** Run the sync on its schedule (false: only on demand and on file changes). */
  WHATSAPP_SYNC_SCHEDULE: bool.default(true),
  /** Watch the file's directory and enqueue a sync when the file changes. */
  WHATSAPP_WATCH: bool.default(true),
  /** Quiet time after the last file event before the sync is enqueued (editors write in bursts). */
  WHATSAPP_WATCH_DEBOUNCE_MS: z.coerce.number().int().min(0).default(1000),
});
export type WhatsappConfig = z.infer<typeof whatsappEnv>;

/** The CLI talks to PostgreSQL only: no Redis, no queue. */
export const whatsappCliEnv = z.object({
  LOG_LEVEL: baseEnv.shape.LOG_LEVEL.default('warn'),
  DATABASE_URL: baseEnv.shape.DATABASE_URL,
  /** Set by pnpm to the directory the command was typed in: relative --file paths mean that one. */
  INIT_CWD: z.string().optional(),
  ...syncVars,
});
export type WhatsappCliConfig = z.infer<typeof whatsappCliEnv>;
