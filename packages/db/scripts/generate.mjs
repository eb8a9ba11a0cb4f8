// Runs `prisma generate` offline. Generate never runs the schema engine, but Prisma's CLI
// insists one exists (and would download it); pointing it at any executable skips that.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const prisma = join(here, '..', 'node_modules', 'prisma', 'build', 'index.js');
const res = spawnSync(process.execPath, [prisma, 'generate'], {
  cwd: join(here, '..'),
  env,
  stdio: 'inherit',
});
process.exit(res.status ?? 1);
