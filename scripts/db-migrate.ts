/**
 * `npm run db:migrate [-- --rolled-back NAME]`: the migrator's CLI (packages/db/src/cli/migrate.ts)
 * with the stack's settings, so locally DATABASE_URL need not be typed (the environment wins).
 * packages/db cannot depend on the runtime, hence this wrapper.
 */
import { withLocalSettings } from '@cauce/runtime';

Object.assign(process.env, withLocalSettings());
await import('../packages/db/src/cli/migrate.ts');
