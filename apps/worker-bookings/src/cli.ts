import { parseArgs } from 'node:util';
import { createDatabase } from '@cauce/db';
import {
  createLogger,
  createRedis,
  createRegistry,
  loadConfig,
  secretValues,
  withLocalSettings,
} from '@cauce/runtime';
import { backfillParams, createBackfillRun, findUnfinishedRun, runBackfill } from './backfill.ts';
import { beds24DisabledReason, bookingsEnv } from './config.ts';
import { createBookingsService } from './service.ts';

/**
 * npm run backfill -- --from 2026-01-01 --to 2026-12-31 [--property 123]
 *   [--by arrival|modified] [--resume <runId>] [--new]
 * Settings come from the environment or, locally, the stack's (.cauce/local.env, provider-sim).
 * Runs the backfill in this process. An unfinished run with the same parameters is resumed from
 * its checkpoint unless --new is given.
 */
const { values } = parseArgs({
  allowPositionals: true,
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    property: { type: 'string' },
    by: { type: 'string' },
    resume: { type: 'string' },
    new: { type: 'boolean', default: false },
  },
});

const config = loadConfig(bookingsEnv, withLocalSettings());
const disabled = beds24DisabledReason(config);
if (disabled) {
  process.stderr.write(`${disabled}\n`);
  process.exit(1);
}
const log = createLogger('worker-bookings-cli', config.LOG_LEVEL, { secrets: secretValues(config) });
const database = createDatabase(config.DATABASE_URL, {
  max: config.DB_POOL_MAX ?? 2,
  namedStatements: config.DB_PREPARED_STATEMENTS,
});
const { db, pool } = database;
const redis = createRedis(config.REDIS_URL, { cluster: config.REDIS_CLUSTER });
const service = createBookingsService({
  config,
  db,
  pool,
  redis,
  log,
  registry: createRegistry('worker-bookings-cli'),
});
let code = 0;
try {
  let runId: bigint;
  if (values.resume) runId = BigInt(values.resume);
  else {
    const parsed = backfillParams.safeParse({
      from: values.from,
      to: values.to,
      propertyId: values.property,
      by: values.by,
    });
    if (!parsed.success) {
      process.stderr.write(
        `usage: backfill --from YYYY-MM-DD --to YYYY-MM-DD [--property ID] [--by arrival|modified] [--resume RUN] [--new]\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}\n`,
      );
      process.exit(2);
    }
    const existing = values.new ? null : await findUnfinishedRun(db, parsed.data);
    runId = existing?.id ?? (await createBackfillRun(db, parsed.data)).id;
    if (existing) process.stdout.write(`resuming run ${runId} from its checkpoint\n`);
  }
  process.stdout.write(`backfill run ${runId}\n`);
  const run = await runBackfill(service, runId, (p) => {
    process.stdout.write(`page ${p.page}: ${p.processed} bookings\n`);
  });
  process.stdout.write(
    `${JSON.stringify({ runId: run.id.toString(), status: run.status, processed: run.processed, counters: run.counters })}\n`,
  );
} catch (err) {
  process.stderr.write(`backfill failed: ${(err as Error).message}\n`);
  code = 1;
} finally {
  await service.close();
  await database.close();
  redis.disconnect();
}
process.exit(code);
