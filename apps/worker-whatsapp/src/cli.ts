import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { createDb } from '@cauce/db';
import { loadConfig, REDACT_PATHS, withLocalSettings } from '@cauce/runtime';
import { pino } from 'pino';
import { whatsappCliEnv } from './config.ts';
import { formatReport } from './report-text.ts';
import { DeactivationNotConfirmed, type SyncReport, syncWhatsappNumbers } from './sync.ts';

/**
 * `npm run whatsapp:sync -- [--file path] [--dry-run] [--yes] [--json]`: the same sync the worker
 * runs, straight against PostgreSQL (no Redis, no queue), printing the report. --dry-run shows
 * what it would add, repair and deactivate and changes nothing. Deactivating numbers is asked
 * first (a terminal) or refused (no terminal) unless --yes/--force. Exit 0 when the sync
 * committed (or the dry run ran), 1 when the file was unusable or the database failed, 3 when a
 * deactivation was declined or refused; in both failure cases nothing changed.
 */
const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    json: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    yes: { type: 'boolean', short: 'y', default: false },
    force: { type: 'boolean', default: false },
  },
});
const config = loadConfig(whatsappCliEnv, withLocalSettings());
const given = values.file ?? config.WHATSAPP_CONNECTIONS_FILE;
if (!given) {
  process.stderr.write('config: WHATSAPP_CONNECTIONS_FILE is missing (or pass --file <path>)\n');
  process.exit(1);
}
// npm and pnpm run scripts elsewhere; a relative path means where the command was typed.
const file = resolve(config.INIT_CWD ?? '.', given);
// Logs go to stderr so stdout is the report alone.
const log = pino(
  { name: 'whatsapp-sync', level: config.LOG_LEVEL, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
  pino.destination(2),
);
const db = createDb(config.DATABASE_URL, { max: 2 });
const sync = (opts: { dryRun?: boolean; confirmedDeactivations?: ReadonlySet<string> }) =>
  syncWhatsappNumbers({ db, file, defaultCountry: config.WHATSAPP_DEFAULT_COUNTRY, log, ...opts });
const print = (report: SyncReport) =>
  process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
const names = (r: SyncReport) => r.deactivated.map((n) => `${n.displayName} (${n.numberId})`).join(', ');

/** Whether the operator agrees to deactivate what the dry run found (null: nobody to ask). */
async function confirm(report: SyncReport): Promise<boolean | null> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return null;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(
      `Deactivate ${report.counts.deactivated} WhatsApp number(s): ${names(report)}? [y/N] `,
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

let code = 0;
try {
  const force = values.yes || values.force;
  if (values['dry-run'] || !force) {
    const preview = await sync({ dryRun: true });
    if (values['dry-run']) print(preview);
    else if (preview.counts.deactivated) {
      process.stderr.write(`${formatReport(preview)}\n`);
      const ok = await confirm(preview);
      if (!ok) {
        process.stderr.write(
          ok === null
            ? `refusing to deactivate ${preview.counts.deactivated} number(s) (${names(preview)}) without a terminal to ask: re-run with --yes to deactivate them, or --dry-run to review. Nothing changed.\n`
            : 'not deactivating; nothing changed.\n',
        );
        code = 3;
      } else
        print(await sync({ confirmedDeactivations: new Set(preview.deactivated.map((n) => n.numberId)) }));
    } else print(await sync({ confirmedDeactivations: new Set() }));
  } else print(await sync({}));
} catch (err) {
  if (err instanceof DeactivationNotConfirmed) {
    process.stderr.write(`whatsapp numbers sync: ${err.message} (the file or table changed meanwhile)\n`);
    code = 3;
  } else {
    process.stderr.write(`whatsapp numbers sync failed, nothing changed: ${(err as Error).message}\n`);
    code = 1;
  }
} finally {
  await db.$disconnect();
}
process.exit(code);
