import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deleteRedisPrefix, freePort, REPO_ROOT, setupTestEnv } from '@cauce/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_STEPS } from '../scripts/stack-banner.ts';
import { cleanEnv, type Launched, launch, waitAllUp } from './launcher-support.ts';

/**
 * A newcomer's first run, for real: a fresh clone of the committed HEAD, `npm run stack` exactly
 * as the README says (pnpm through npx, the real launcher), then every `curl` the banner printed,
 * pasted into a shell as is: each answers 2xx and leaves its row. A restart reuses the settings
 * file: same secrets, and a token minted before the restart still works.
 */
const env = await setupTestEnv();
const run = promisify(execFile);
const dbName = `cauce_firstrun_${randomBytes(4).toString('hex')}`;
const prefix = `fr${randomBytes(4).toString('hex')}`;
const dbUrl = (() => {
  const u = new URL(env.adminDatabaseUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
let clone = '';
let stackEnv: NodeJS.ProcessEnv = {};
let ingress = '';
const running: Launched[] = [];
let pool: pg.Pool;

beforeAll(async () => {
  clone = join(await mkdtemp(join(tmpdir(), 'cauce-first-run-')), 'cauce');
  await run('git', ['clone', '--quiet', REPO_ROOT, clone]);
  const port = await freePort();
  ingress = `http://127.0.0.1:${port}`;
  // Only what a newcomer's shell has, plus where this test's stack may live without colliding.
  stackEnv = cleanEnv({
    DATABASE_URL: dbUrl,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: prefix,
    PORT: String(port),
    SIM_PORT: String(await freePort()),
    WORKER_PORT: '0',
    LOG_LEVEL: 'warn',
  });
  pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
});
afterAll(async () => {
  await Promise.all(running.map((l) => l.stop()));
  await pool?.end();
  const admin = new pg.Client({ connectionString: env.adminDatabaseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => {});
  await admin.end();
  await deleteRedisPrefix(env.redisUrl, prefix).catch(() => {});
  if (clone) await rm(join(clone, '..'), { recursive: true, force: true });
});

async function startStack() {
  const launched = launch('npm', ['run', 'stack'], { cwd: clone, env: stackEnv });
  running.push(launched);
  await waitAllUp(ingress, launched, 480_000);
  await expect
    .poll(() => launched.output(), { timeout: 60_000 })
    .toContain('Ctrl-C stops everything gracefully.');
  return launched;
}

/** The commands under "Try each source flow", in order, as printed. */
function printedCommands(output: string): string[] {
  const from = output.lastIndexOf('Try each source flow (paste as is):');
  expect(from).toBeGreaterThan(-1);
  const block = output.slice(from).split('\n').slice(1);
  const end = block.findIndex((l) => l.trim() === '');
  return block
    .slice(0, end)
    .filter((l) => l.startsWith('  ') && !l.trim().startsWith('#'))
    .map((l) => l.slice(2));
}

const sh = (command: string) =>
  run('bash', ['-c', command], { cwd: clone, env: stackEnv, timeout: 300_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
const count = async (sql: string) => Number((await pool.query(sql)).rows[0].n);

describe('first run from a fresh clone', () => {
  let commands: string[] = [];
  let settings = '';
  let tokenBefore = '';

  it('npm run stack creates a private settings file and every printed curl works as printed', {
    timeout: 900_000,
  }, async () => {
    const launched = await startStack();
    const file = join(clone, '.cauce/local.env');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(clone, '.cauce'))).mode & 0o777).toBe(0o700);
    settings = await readFile(file, 'utf8');
    for (const name of [
      'JWT_SECRET',
      'BEDS24_WEBHOOK_TOKEN',
      'SIIGO_WEBHOOK_TOKEN',
      'ORDERS_API_KEYS',
      'CAUCE_ADMIN_PASSWORD',
    ])
      expect(settings).toMatch(new RegExp(`^${name}=\\S{16,}$`, 'm'));
    // Ignored by git: a fresh clone's status stays clean.
    expect((await run('git', ['status', '--porcelain'], { cwd: clone })).stdout).toBe('');

    commands = printedCommands(launched.output());
    expect(
      commands.map((c) => /\/api\/(webhooks\/beds24|orders|webhooks\/siigo\/|sync\/csv)/.exec(c)?.[0]),
    ).toEqual(['/api/webhooks/beds24', '/api/orders', '/api/webhooks/siigo/', '/api/sync/csv']);
    for (const c of commands) {
      const res = await sh(c);
      expect(res.code, `${c}\n${res.stdout}${res.stderr}`).toBe(0);
    }
    expect(
      await count(
        `SELECT count(*) AS n FROM webhook_events WHERE provider = 'beds24' AND entity_id = '${FIRST_STEPS.beds24BookingId}'`,
      ),
    ).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM orders WHERE session_id = 'first-steps-1'`)).toBe(1);
    expect(
      await count(
        `SELECT count(*) AS n FROM webhook_events WHERE provider = 'siigo' AND entity_id = '${FIRST_STEPS.siigoProductId}'`,
      ),
    ).toBe(1);
    // provider-sim holds the booking and product the commands name (the stack created them).
    const settled = async (provider: string, entity: string | number) =>
      (
        await pool.query(`SELECT status, error FROM webhook_events WHERE provider = $1 AND entity_id = $2`, [
          provider,
          String(entity),
        ])
      ).rows[0];
    for (const [provider, entity] of [
      ['beds24', FIRST_STEPS.beds24BookingId],
      ['siigo', FIRST_STEPS.siigoProductId],
    ] as const)
      await expect
        .poll(() => settled(provider, entity), { timeout: 60_000, interval: 200 })
        .toEqual({ status: 'processed', error: null });
    // The upload answers 202 once stored; worker-staging imports it moments later.
    await expect
      .poll(() => count(`SELECT count(*) AS n FROM csv_imports_raw WHERE email = 'ana@example.com'`), {
        timeout: 60_000,
        interval: 200,
      })
      .toBe(1);

    // A token minted with the printed command, for after the restart.
    const minted = await sh('npm run --silent token -- --role viewer --sub before-restart');
    expect(minted.code, minted.stderr).toBe(0);
    tokenBefore = minted.stdout.trim();
    const ok = await fetch(`${ingress}/api/admin/failures`, {
      headers: { authorization: `Bearer ${tokenBefore}` },
    });
    expect(ok.status).toBe(200);

    // --print-config prints the same commands without starting anything.
    const printed = await sh('npm run stack -- --print-config');
    expect(printed.code, printed.stderr).toBe(0);
    expect(printedCommands(printed.stdout)).toEqual(commands);
    await launched.stop();
  });

  it('a restart reuses the settings: same secrets, same commands, the old token still valid', {
    timeout: 900_000,
  }, async () => {
    expect(tokenBefore).not.toBe('');
    const launched = await startStack();
    expect(await readFile(join(clone, '.cauce/local.env'), 'utf8')).toBe(settings);
    expect(printedCommands(launched.output())).toEqual(commands);
    const res = await fetch(`${ingress}/api/admin/failures`, {
      headers: { authorization: `Bearer ${tokenBefore}` },
    });
    expect(res.status).toBe(200);
    // The printed order again: the same order, answered as a duplicate (2xx), not a second row.
    const again = await sh(commands[1]!);
    expect(again.code, again.stderr).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM orders WHERE session_id = 'first-steps-1'`)).toBe(1);
    // Ctrl-C, as a terminal sends it (to npm, the launcher and its children): every process ends
    // cleanly and no package manager reports a failure.
    await launched.stop('SIGINT');
    const stopped = launched
      .output()
      .slice(launched.output().lastIndexOf('stopping: letting active jobs finish'));
    expect(stopped).toMatch(/\[all\]\s+exited \(0\)/);
    expect(stopped).not.toMatch(/exited \((?!0\))/);
    expect(launched.output()).not.toMatch(/ELIFECYCLE|Command failed/);
  });
});
