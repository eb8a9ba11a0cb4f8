/**
 * CI (`npm run check:build`, a step of .ci/run): the production build starts every app.
 * Builds (scripts/build.ts), deploys every app with production dependencies only
 * (scripts/deploy.ts, as the Dockerfile does) into a temporary folder, fails if a dev-only
 * dependency (tsx, vitest, typescript, the Prisma CLI, …) was installed there, migrates a
 * throwaway database with the deployed migrator (`node dist/cli/migrate.js`), then starts each
 * app with `node dist/main.js` on a free port and its own queue prefix, waits until its health URL
 * answers, prints its RSS, stops it with SIGTERM and expects exit 0. `--compare-tsx` also starts
 * each app from source through tsx (as `npm run stack` does) and prints both RSS figures.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { withDatabase } from '../packages/testkit/src/database.ts';
import { freePort } from '../packages/testkit/src/process.ts';
import { deleteRedisPrefix } from '../packages/testkit/src/redis-prefix.ts';
import { build, ROOT } from './build.ts';
import { deploy, deployTargets, readManifest } from './deploy.ts';

const compareTsx = process.argv.includes('--compare-tsx');
const keep = process.argv.includes('--keep');
const adminUrl = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const started = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`);

/** Names only ever declared as devDependencies (root or any workspace): none may be deployed. */
function devOnlyPackages(): Set<string> {
  const dirs = [
    ROOT,
    ...['apps', 'packages'].flatMap((d) => readdirSync(join(ROOT, d)).map((w) => join(ROOT, d, w))),
  ];
  const manifests = dirs.filter((d) => existsSync(join(d, 'package.json'))).map(readManifest);
  const prod = new Set(manifests.flatMap((m) => Object.keys(m.dependencies ?? {})));
  return new Set(manifests.flatMap((m) => Object.keys(m.devDependencies ?? {})).filter((n) => !prod.has(n)));
}

/**
 * In a deploy's virtual store (`@scope+name@1.0.0_peer…/node_modules/@scope/name`): every package
 * installed, and every name some installed third-party package depends on.
 */
function deployedPackages(appDir: string): { installed: Set<string>; required: Set<string> } {
  const store = join(appDir, 'node_modules/.pnpm');
  const installed = new Set<string>();
  const required = new Set<string>();
  for (const entry of readdirSync(store)) {
    const name = /^(@[^+]+\+[^@]+|[^@]+)@/.exec(entry)?.[1]?.replace('+', '/');
    if (!name) continue;
    installed.add(name);
    if (name.startsWith('@cauce/')) continue;
    const m = readManifest(join(store, entry, 'node_modules', name));
    for (const dep of Object.keys({ ...m.dependencies, ...m.optionalDependencies })) required.add(dep);
  }
  return { installed, required };
}

interface AppCheck {
  folder: string;
  /** Arguments after the entry (apps/all takes the roles to run). */
  args?: string[];
  healthPath: string;
  env: Record<string, string>;
}

async function appCheck(folder: string): Promise<AppCheck> {
  const port = String(await freePort());
  // `cauce all`: the ingress on PORT and the workers' one /health + /metrics on WORKER_PORT.
  if (folder === 'all')
    return {
      folder,
      args: ['all'],
      healthPath: '/api/health',
      env: { PORT: port, WORKER_PORT: String(await freePort()), JWT_SECRET: randomBytes(32).toString('hex') },
    };
  if (folder === 'ingress')
    return {
      folder,
      healthPath: '/api/health',
      env: { PORT: port, JWT_SECRET: randomBytes(32).toString('hex') },
    };
  if (folder === 'provider-sim') return { folder, healthPath: '/__sim/health', env: { SIM_PORT: port } };
  return { folder, healthPath: '/health', env: { WORKER_PORT: port } };
}

const portOf = (c: AppCheck) => c.env.PORT ?? c.env.SIM_PORT ?? c.env.WORKER_PORT;

/** Starts `args` in `cwd`, waits for the health URL, returns the RSS (kB) and stops it (exit 0 expected). */
async function startAndMeasure(
  label: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  c: AppCheck,
) {
  const child: ChildProcess = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${portOf(c)}${c.healthPath}`;
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${label} exited ${child.exitCode} before ${url} answered:\n${out}`);
      const ok = await fetch(url).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${label}: ${url} did not answer within 60 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const rss = Number(
      execFileSync('ps', ['-o', 'rss=', '-p', String(child.pid)], { encoding: 'utf8' }).trim(),
    );
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code] = await exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`${label} exited ${code} after SIGTERM:\n${out}`);
    return rss;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

const out = mkdtempSync(join(tmpdir(), 'cauce-deploy-'));
const dbName = `cauce_build_${randomBytes(4).toString('hex')}`;
const databaseUrl = withDatabase(adminUrl, dbName);
const prefix = `build${randomBytes(4).toString('hex')}`;
const admin = async (sql: string) => {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
};

try {
  build(log);
  await deploy(out, log);

  const devOnly = devOnlyPackages();
  for (const folder of Object.keys(deployTargets())) {
    const { installed, required } = deployedPackages(join(out, folder));
    // A dev-only name may still be a real dependency of a library (@types/pg of @prisma/adapter-pg).
    const bad = [...installed].filter((n) => devOnly.has(n) && !required.has(n));
    if (installed.has('tsx') || bad.length)
      throw new Error(`${folder}: dev dependencies deployed: ${bad.join(', ')}`);
    if (existsSync(join(out, folder, 'src')))
      throw new Error(`${folder}: src was deployed (package.json "files")`);
  }
  log(`no dev dependency in any deploy (checked ${devOnly.size} dev-only names, tsx among them)`);

  await admin(`CREATE DATABASE "${dbName}"`);
  const baseEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
  };
  const migrated = execFileSync(process.execPath, ['dist/cli/migrate.js'], {
    cwd: join(out, 'db'),
    env: baseEnv,
    encoding: 'utf8',
  });
  if (!/migration\(s\) applied/.test(migrated))
    throw new Error(`the deployed migrator applied nothing:\n${migrated}`);
  log(`deployed migrator: ${migrated.trim().split('\n').at(-1)}`);

  const rows: string[] = [];
  for (const folder of Object.keys(deployTargets()).filter((f) => f !== 'db')) {
    const c = await appCheck(folder);
    const env = { ...baseEnv, ...c.env };
    const rss = await startAndMeasure(
      `${folder} (node dist/main.js)`,
      ['dist/main.js', ...(c.args ?? [])],
      join(out, folder),
      env,
      c,
    );
    let line = `${folder.padEnd(16)} node dist: ${String(Math.round(rss / 1024)).padStart(4)} MB`;
    if (compareTsx) {
      const src = `apps/${folder}/src/main.ts`;
      const tsxRss = await startAndMeasure(
        `${folder} (tsx)`,
        ['--import', 'tsx', src, ...(c.args ?? [])],
        ROOT,
        env,
        c,
      );
      line += `   tsx: ${String(Math.round(tsxRss / 1024)).padStart(4)} MB`;
    }
    rows.push(line);
    log(`${folder}: ${c.healthPath} answered, stopped with exit 0`);
  }
  console.log(`\nRSS after the health URL answered (ps -o rss, ${process.version}):\n${rows.join('\n')}`);
  log('every app starts from dist with production dependencies only');
} finally {
  await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => {});
  await deleteRedisPrefix(redisUrl, prefix).catch(() => {});
  if (keep) console.log(`deploy kept in ${out}`);
  else rmSync(out, { recursive: true, force: true });
}
