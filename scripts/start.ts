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
import { simEnv, simProviders } from '../apps/provider-sim/src/sim-env.ts';
import { createSenderAuth, extraSenders } from '../apps/provider-sim/src/traffic/senders.ts';
import { Traffic } from '../apps/provider-sim/src/traffic/traffic.ts';

const { values: args } = parseArgs({ options: { demo: { type: 'boolean', default: false } } });
const env: Record<string, string | undefined> = { ...process.env };
env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/cauce';
env.REDIS_URL ??= 'redis://127.0.0.1:6379';
env.LOG_LEVEL ??= 'info';
// A local stack listens on loopback only (ingress, workers' /metrics, provider-sim); set HOST,
// WORKER_HOST or SIM_HOST (e.g. 0.0.0.0) to open it to the network.
env.HOST ??= '127.0.0.1';
env.WORKER_HOST ??= '127.0.0.1';
env.SIM_HOST ??= '127.0.0.1';

const SIM_PORT = env.SIM_PORT ?? '4010';
const SIM = `http://127.0.0.1:${SIM_PORT}`;

const PROVIDERS = simProviders(SIM);

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
  // Own process group: a terminal's Ctrl-C reaches only this launcher, which sends each child
  // exactly one SIGTERM (a second signal means "force" to the worker runtime).
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
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
// Detached children would outlive a launcher that dies of an error: take them down with it.
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
});

await ensureDatabase(env.DATABASE_URL);
const res = await migrate({ databaseUrl: env.DATABASE_URL, log: (l) => console.log(`migrate: ${l}`) });
console.log(`database ready (${res.applied.length} applied, ${res.alreadyApplied.length} already applied)`);

if (!env.JWT_SECRET) {
  env.JWT_SECRET = randomBytes(32).toString('hex');
  console.log('JWT_SECRET is not set: using a random one for this run (admin tokens die with it).');
  // Local stack only: the operator needs the secret to mint a token for Bull Board and the admin API.
  console.log(
    `  mint a token for this run: JWT_SECRET=${env.JWT_SECRET} pnpm --silent token --role admin --sub you`,
  );
}

const unconfigured = PROVIDERS.filter((p) => !p.credentials.some((v) => env[v]));
const useSim = args.demo || unconfigured.length === PROVIDERS.length;
if (useSim) {
  // The demo never talks to real providers; a plain start keeps any real value already set.
  Object.assign(env, simEnv(SIM, args.demo ? {} : env));
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

// The demo plays the providers too: it configures the webhook secrets it then signs with.
const senderAuth = createSenderAuth(SIM);
if (args.demo) for (const [k, v] of Object.entries(senderAuth.env)) env[k] ??= v;
// The demo's WhatsApp connections: a sample file, so worker-whatsapp has something to sync.
if (args.demo) env.WHATSAPP_CONNECTIONS_FILE ??= 'apps/provider-sim/fixtures/whatsapp-connections.json';

for (const entry of APPS) run(entry.split('/')[1]!, entry);

const port = env.PORT ?? '3001';
console.log(`
Cauce is starting:
  ingress        http://127.0.0.1:${port}/api/health   (webhooks under /api/webhooks/<provider>)
  Bull Board     http://127.0.0.1:${port}/api/admin/queues/ui   (mint a token: pnpm token --role admin --sub you)
  API docs       http://127.0.0.1:${port}/docs
  metrics        http://127.0.0.1:${port}/metrics and each worker on :9101..9105/metrics
  Sync Center    http://127.0.0.1:${port}/admin/sync
  stock events   http://127.0.0.1:${port}/api/stock/events   (Server-Sent Events)
Listening on ${env.HOST} (workers on ${env.WORKER_HOST}${useSim ? `, provider-sim on ${env.SIM_HOST}` : ''}).
Ctrl-C stops everything gracefully.
`);

if (args.demo) await sendDemoTraffic(`http://127.0.0.1:${port}`);

/** A realistic mixed stream, a few events per second, until Ctrl-C; a summary every 30 s. */
async function sendDemoTraffic(ingress: string) {
  await waitFor(`${ingress}/api/ready`);
  await waitFor(`${SIM}/__sim/health`);
  const seeded = await Traffic.seed(SIM, 60, 60);
  const traffic = new Traffic(
    {
      ingress,
      sim: SIM,
      beds24Token: env.BEDS24_WEBHOOK_TOKEN ?? senderAuth.beds24Token,
      siigoPath: senderAuth.siigoPath,
      ordersApiKey: env.ORDERS_API_KEYS?.split(',')[0] ?? senderAuth.ordersApiKey,
      extra: extraSenders(senderAuth),
    },
    seeded.bookingIds,
    seeded.productIds,
  );
  console.log('demo: sending Beds24, SIIGO, order, Stripe, PayPal, GHL and ManyChat events (3/s)');
  let last = Date.now();
  while (!stopping) {
    void traffic.next();
    await new Promise((r) => setTimeout(r, 333));
    if (Date.now() - last > 30_000) {
      last = Date.now();
      const by: Record<string, number> = {};
      for (const d of traffic.deliveries)
        by[`${d.kind} ${d.status}`] = (by[`${d.kind} ${d.status}`] ?? 0) + 1;
      console.log(`demo: sent so far ${JSON.stringify(by)}`);
    }
  }
}

async function waitFor(url: string) {
  for (let i = 0; i < 300 && !stopping; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
