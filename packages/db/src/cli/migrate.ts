// `pnpm db:migrate [--rolled-back NAME]`: apply pending migrations from prisma/migrations.
import { parseArgs } from 'node:util';
import { MigrationError, markRolledBack, migrate } from '../migrator.ts';

const { values } = parseArgs({ options: { 'rolled-back': { type: 'string' } } });
// The migrator holds a session advisory lock: past a transaction-mode pooler it needs the direct URL.
const databaseUrl = process.env.DIRECT_DATABASE_URL || process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/cauce)');
  process.exit(1);
}

try {
  const name = values['rolled-back'];
  if (name) {
    const ok = await markRolledBack(databaseUrl, name);
    console.log(ok ? `marked ${name} as rolled back` : `no failed migration named ${name}`);
    if (!ok) process.exit(1);
  }
  const res = await migrate({ databaseUrl, log: (l) => console.log(l) });
  console.log(
    res.applied.length
      ? `${res.applied.length} migration(s) applied, ${res.alreadyApplied.length} already applied`
      : `database is up to date (${res.alreadyApplied.length} migrations)`,
  );
} catch (err) {
  console.error(err instanceof MigrationError ? `migrate: ${err.message}` : err);
  process.exit(1);
}
