/**
 * `pnpm start` (and `npm run stack`): creates and migrates the database, starts provider-sim
 * when no provider credentials are configured (and says so loudly), then runs the ingress and
 * every worker as child processes with prefixed output. Ctrl-C stops them gracefully.
 * `pnpm demo` does the same with provider-sim forced on and prints where to look.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { migrate } from '@cauce/db';
import pg from 'pg';

const { values: args } = parseArgs({ options: { demo: { type: 'boolean', default: false } } });
const env: Record<string, string | undefined> = { ...process.env };
env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/cauce';
env.REDIS_URL ??= 'redis://127.0.0.1:6379';
env.LOG_LEVEL ??= 'info';

const SIM_PORT = env.SIM_PORT ?? '4010';
const SIM = `http://127.0.0.1:${SIM_PORT}`;

/**
 * Per provider: the variables that mean "real credentials are configured", and the variables
 * that point Cauce at provider-sim instead (base URLs and fake credentials the sim accepts).
 */
const PROVIDERS: Array<{ name: string; credentials: string[]; sim: Record<string, string> }> = [
  {
    name: 'Beds24',
    credentials: ['BEDS24_TOKEN', 'BEDS24_WRITE_REFRESH_TOKEN'],
    sim: { BEDS24_API_URL: `${SIM}/beds24/v2`, BEDS24_TOKEN: 'sim-long-life-token' },
  },
  {
    name: 'Bigin Robot API',
    credentials: ['BIGIN_ROBOT_URL'],
    sim: { BIGIN_ROBOT_URL: `${SIM}/bigin/create-order` },
  },
  {
    name: 'CallBell',
    credentials: ['CALLBELL_API_TOKEN'],
    sim: { CALLBELL_API_URL: `${SIM}/callbell/v1`, CALLBELL_API_TOKEN: 'test_sim' },
  },
];

const APPS = [
  'apps/ingress/src/main.ts',
  'apps/worker-bookings/src/main.ts',
  'apps/worker-orders/src/main.ts',
  'apps/worker-stock/src/main.ts',
  'apps/worker-staging/src/main.ts',
  'apps/worker-whatsapp/src/main.ts',
].filter((f) => existsSync(f));

function banner(lines: string[]) {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const bar = '*'.repeat(width);
  console.log(`\n${bar}\n${lines.map((l) => `* ${l.padEnd(width - 4)} *`).join('\n')}\n${bar}\n`);
}

async function ensureDatabase(url: string) {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      console.log(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

const children: ChildProcess[] = [];
function run(label: string, entry: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${label}]`.padEnd(18);
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) console.log(prefix, line);
    });
  }
  child.on('exit', (code, signal) => {
    console.log(prefix, `exited (${signal ?? code})`);
    if (!stopping && code !== 0)
      console.log(prefix, 'stopped unexpectedly; the rest of the stack keeps running');
  });
  children.push(child);
  return child;
}

let stopping = false;
function stopAll() {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping: letting active jobs finish…');
  for (const c of children) c.kill('SIGTERM');
  Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
  ).then(() => process.exit(0));
}
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);

await ensureDatabase(env.DATABASE_URL);
const res = await migrate({ databaseUrl: env.DATABASE_URL, log: (l) => console.log(`migrate: ${l}`) });
console.log(`database ready (${res.applied.length} applied, ${res.alreadyApplied.length} already applied)`);

if (!env.JWT_SECRET) {
  env.JWT_SECRET = randomBytes(32).toString('hex');
  console.log('JWT_SECRET is not set: using a random one for this run (admin tokens die with it).');
}

const unconfigured = PROVIDERS.filter((p) => !p.credentials.some((v) => env[v]));
const useSim = args.demo || unconfigured.length === PROVIDERS.length;
if (useSim) {
  for (const p of PROVIDERS)
    Object.assign(
      env,
      p.sim,
      Object.fromEntries(p.credentials.filter((v) => env[v]).map((v) => [v, env[v]!])),
    );
  banner([
    args.demo ? 'DEMO MODE' : 'NO PROVIDER CREDENTIALS CONFIGURED',
    `Every provider API is SIMULATED by provider-sim on ${SIM}.`,
    'Nothing reaches Beds24, SIIGO, Bigin, Stripe, PayPal, GHL, ManyChat or CallBell.',
    'Set the provider variables (see README, Configuration) to use the real APIs.',
  ]);
  env.SIM_PORT = SIM_PORT;
  run('provider-sim', 'apps/provider-sim/src/main.ts');
} else if (unconfigured.length) {
  console.log(
    `not configured (their workers will report it on /health): ${unconfigured.map((p) => p.name).join(', ')}`,
  );
}

for (const entry of APPS) run(entry.split('/')[1]!, entry);

const port = env.PORT ?? '3001';
console.log(`
Cauce is starting:
  ingress        http://127.0.0.1:${port}/api/health   (webhooks under /api/webhooks/<provider>)
  Bull Board     http://127.0.0.1:${port}/api/admin/queues/ui   (mint a token: pnpm token --role admin --sub you)
  API docs       http://127.0.0.1:${port}/docs
  metrics        http://127.0.0.1:${port}/metrics and each worker on :9101..9105/metrics
Ctrl-C stops everything gracefully.
`);
