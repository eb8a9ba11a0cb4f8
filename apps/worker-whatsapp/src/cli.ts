import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '@cauce/db';
import { loadConfig, REDACT_PATHS } from '@cauce/runtime';
import { pino } from 'pino';
import { whatsappCliEnv } from './config.ts';
import { formatReport } from './report-text.ts';
import { syncWhatsappNumbers } from './sync.ts';

/**
 * `pnpm --filter @cauce/worker-whatsapp sync [--file path] [--json]`: the same sync the worker
 * runs, straight against PostgreSQL (no Redis, no queue), printing the report. Exit 0 when the
 * sync committed, 1 when the file was unusable or the database failed (then nothing changed).
 */
const { values } = parseArgs({
  options: { file: { type: 'string' }, json: { type: 'boolean', default: false } },
});
const config = loadConfig(whatsappCliEnv);
const given = values.file ?? config.WHATSAPP_CONNECTIONS_FILE;
if (!given) {
  process.stderr.write('config: WHATSAPP_CONNECTIONS_FILE is missing (or pass --file <path>)\n');
  process.exit(1);
}
// pnpm runs scripts inside the package directory; a relative path means where the command was typed.
const file = resolve(config.INIT_CWD ?? '.', given);
// Logs go to stderr so stdout is the report alone.
const log = pino(
  { name: 'whatsapp-sync', level: config.LOG_LEVEL, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
  pino.destination(2),
);
const db = createDb(config.DATABASE_URL, { max: 2 });
let code = 0;
try {
  const report = await syncWhatsappNumbers({
    db,
    file,
    defaultCountry: config.WHATSAPP_DEFAULT_COUNTRY,
    log,
  });
  process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
} catch (err) {
  process.stderr.write(`whatsapp numbers sync failed, nothing changed: ${(err as Error).message}\n`);
  code = 1;
} finally {
  await db.$disconnect();
}
process.exit(code);
