/**
 * `pnpm start` (and `npm run stack`): reads (or on the first run creates) the local settings file
 * .cauce/local.env with the stack's secrets, creates and migrates the database, starts
 * provider-sim when no provider credentials are configured (and says so loudly), then runs the
 * ingress and every worker in one supervised child process (`cauce all`, apps/all), or with
 * `--split` (or CAUCE_STACK_MODE=split) each as its own process, as compose does
 * (scripts/supervisor.ts: restarted with backoff when they crash), and prints how to use it
 * (scripts/stack-banner.ts). Ctrl-C stops them gracefully. `--print-config` prints the banner
 * without starting; `--rotate` regenerates the secrets. `pnpm demo` (--demo) runs the separate
 * demo (scripts/demo.ts).
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { migrate } from '@cauce/db';
import { simEnv, simProviders } from '@cauce/provider-sim/sim-env';
import { ensureSettingsFile, LOCAL_DEFAULTS, writeSimSettings } from '@cauce/runtime';
import pg from 'pg';
import { applyDemoEnv, DEMO, demoPace, demoSenderAuth, playProviders } from './demo.ts';
import { seedFirstSteps, stackBanner } from './stack-banner.ts';
import { Supervisor } from './supervisor.ts';

const { values: args } = parseArgs({
  options: {
    demo: { type: 'boolean', default: false },
    'print-config': { type: 'boolean', default: false },
    rotate: { type: 'boolean', default: false },
    split: { type: 'boolean', default: false },
  },
});
// One process for every role unless asked to split (one process per role, as in compose).
const split = args.split || process.env.CAUCE_STACK_MODE === 'split';
const env: Record<string, string | undefined> = { ...process.env };
if (args.demo) applyDemoEnv(env);
// Generated secrets, kept across runs; a variable already set in the environment wins.
const settings = ensureSettingsFile(env, { rotate: args.rotate });
for (const [k, v] of Object.entries(settings.values)) if (!env[k]) env[k] = v;
env.DATABASE_URL ??= LOCAL_DEFAULTS.DATABASE_URL;
env.REDIS_URL ??= LOCAL_DEFAULTS.REDIS_URL;
env.LOG_LEVEL ??= 'info';
// A local stack listens on loopback only (ingress, workers' /metrics, provider-sim); set HOST,
// WORKER_HOST or SIM_HOST (e.g. 0.0.0.0) to open it to the network.
env.HOST ??= '127.0.0.1';
env.WORKER_HOST ??= '127.0.0.1';
env.SIM_HOST ??= '127.0.0.1';
// SIIGO is subscribed (POST /api/webhooks/setup) to the route with its secret segment.
if (env.SIIGO_WEBHOOK_TOKEN) env.SIIGO_SUBSCRIPTION_PATH ??= `/api/webhooks/siigo/${env.SIIGO_WEBHOOK_TOKEN}`;
const settingsFile = relative(process.cwd(), settings.path) || settings.path;
if (settings.generated.length)
  console.log(
    `${args.rotate ? 'rotated' : 'generated'} ${settings.generated.join(', ')} in ${settingsFile} (mode 0600; kept across restarts)`,
  );

const SIM_PORT = env.SIM_PORT ?? '4010';
const SIM = `http://127.0.0.1:${SIM_PORT}`;

const PROVIDERS = simProviders(SIM);
const ALL_IN_ONE = 'apps/all/src/main.ts';
const SPLIT_APPS = [
  'apps/ingress/src/main.ts',
  'apps/worker-bookings/src/main.ts',
  'apps/worker-orders/src/main.ts',
  'apps/worker-stock/src/main.ts',
  'apps/worker-staging/src/main.ts',
  'apps/worker-whatsapp/src/main.ts',
].filter((f) => existsSync(f));
const APPS = split || !existsSync(ALL_IN_ONE) ? SPLIT_APPS : [ALL_IN_ONE];

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

const port = env.PORT ?? '3001';
const ingressUrl = `http://127.0.0.1:${port}`;
const printBanner = (starting = true) =>
  console.log(
    stackBanner({
      env,
      starting,
      workerPorts: workerPorts(),
      ingress: ingressUrl,
      settingsFile,
      demo: args.demo,
      // The printed token command must read the same settings file as this stack.
      npmPrefix: env.CAUCE_SETTINGS_FILE ? `CAUCE_SETTINGS_FILE=${env.CAUCE_SETTINGS_FILE} ` : '',
    }),
  );

/** Where the workers' /health and /metrics listen, as the banner tells it. */
function workerPorts(): string | undefined {
  if (APPS.length === 1)
    return `every role's, one process; the workers' /health also on port ${env.WORKER_PORT ?? (args.demo ? DEMO.firstWorkerPort : 9101)}; --split: one process each`;
  return args.demo
    ? `each worker on its own port: ${DEMO.firstWorkerPort}..${DEMO.firstWorkerPort + 4}`
    : undefined;
}

const unconfigured = PROVIDERS.filter((p) => !p.credentials.some((v) => env[v]));
const useSim = args.demo || unconfigured.length === PROVIDERS.length;
// The demo plays the providers: it signs with keys only provider-sim holds (set before the banner).
const demoAuth = args.demo ? demoSenderAuth(env, SIM) : null;

if (args['print-config']) {
  printBanner(false);
  process.exit(0);
}

const supervisor = new Supervisor();
const stopAll = () => {
  if (supervisor.isStopping) return;
  console.log('\nstopping: letting active jobs finish…');
  supervisor.stopAll().then(() => process.exit(0));
};
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);

await ensureDatabase(env.DATABASE_URL);
const res = await migrate({ databaseUrl: env.DATABASE_URL, log: (l) => console.log(`migrate: ${l}`) });
console.log(`database ready (${res.applied.length} applied, ${res.alreadyApplied.length} already applied)`);

if (useSim) {
  // The demo never talks to real providers; a plain start keeps any real value already set.
  const sim = simEnv(SIM, args.demo ? {} : env);
  Object.assign(env, sim);
  // The CLIs (backfill, …) read these while the stack simulates the providers.
  writeSimSettings(env, sim);
  banner([
    args.demo ? 'DEMO MODE' : 'NO PROVIDER CREDENTIALS CONFIGURED',
    `Every provider API is SIMULATED by provider-sim on ${SIM}.`,
    'Nothing reaches Beds24, SIIGO, Bigin, Stripe, PayPal, GHL, ManyChat or CallBell.',
    'Set the provider variables (see README, Configuration) to use the real APIs.',
  ]);
  env.SIM_PORT = SIM_PORT;
  supervisor.run('provider-sim', 'apps/provider-sim/src/main.ts', env);
} else {
  writeSimSettings(env, null);
  if (unconfigured.length)
    console.log(
      `not configured (their workers will report it on /health): ${unconfigured.map((p) => p.name).join(', ')}`,
    );
}

if (APPS.length === 1) {
  // The demo's workers listen away from the stack's 9101.
  supervisor.run(
    'all',
    ALL_IN_ONE,
    args.demo ? { ...env, WORKER_PORT: env.WORKER_PORT ?? String(DEMO.firstWorkerPort) } : env,
  );
} else
  APPS.forEach((entry, i) => {
    // The demo's workers listen next to each other, away from the stack's 9101..9105.
    const own = args.demo && i > 0 ? { ...env, WORKER_PORT: String(DEMO.firstWorkerPort + i - 1) } : env;
    supervisor.run(entry.split('/')[1]!, entry, own);
  });

// The banner's Beds24 and SIIGO commands name records provider-sim must hold to settle `processed`:
// created before the banner, so a command pasted from it finds them.
if (useSim)
  await waitFor(`${SIM}/__sim/health`)
    .then(() => (supervisor.isStopping ? undefined : seedFirstSteps(SIM)))
    .catch((err: Error) =>
      console.warn(
        `provider-sim: the first-steps booking and product were not created (${err.message}); the sample Beds24 and SIIGO events will settle ignored`,
      ),
    );

printBanner();

if (demoAuth) {
  await waitFor(`${ingressUrl}/api/ready`);
  await waitFor(`${SIM}/__sim/health`);
  await playProviders({
    ingress: ingressUrl,
    sim: SIM,
    auth: demoAuth,
    pace: demoPace(env),
    stopped: () => supervisor.isStopping,
  });
}

async function waitFor(url: string) {
  for (let i = 0; i < 300 && !supervisor.isStopping; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
