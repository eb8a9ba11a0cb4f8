/**
 * `pnpm bench:soak`: the whole stack under steady mixed traffic with faults, then a checker.
 *
 * Private PostgreSQL and Redis (so they can be restarted), provider-sim with 5% errors and random
 * latency on every provider API route, the ingress and every worker as real processes. For
 * SOAK_MINUTES (default 10) it sends SOAK_RATE events/s (Beds24 and SIIGO webhooks, orders,
 * Stripe/PayPal/GHL/ManyChat events); every 30 s a random worker is killed with SIGKILL and
 * restarted; Redis is restarted once with its data and once empty (every job it held is lost), and
 * PostgreSQL once. Then it drains and compares what was
 * sent with the database: lost and duplicated must both be 0.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { migrate } from '@cauce/db';
import { simEnv } from '../apps/provider-sim/src/sim-env.ts';
import { percentile } from '../apps/provider-sim/src/traffic/deliver.ts';
import { createSenderAuth, extraSenders } from '../apps/provider-sim/src/traffic/senders.ts';
import { Traffic } from '../apps/provider-sim/src/traffic/traffic.ts';
import { startPrivateServices } from '../packages/testkit/src/private-services.ts';
import { freePort } from '../packages/testkit/src/process.ts';
import { check, countFailures, drain } from './soak/check.ts';
import { rssMb, Stack, WORKERS, waitHttp } from './soak/stack.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const RATE = Number(process.env.SOAK_RATE ?? 20);
const CHAOS_EVERY_MS = Number(process.env.SOAK_CHAOS_EVERY_MS ?? 30_000);
const DURATION_MS = MINUTES * 60_000;
const log = (s: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}`);

const services = await startPrivateServices();
log(`private PostgreSQL ${services.databaseUrl}, Redis ${services.redisUrl}`);
await migrate({ databaseUrl: services.databaseUrl, log: () => {} });

const simPort = await freePort();
const ingressPort = await freePort();
const simBase = `http://127.0.0.1:${simPort}`;
const ingress = `http://127.0.0.1:${ingressPort}`;
const auth = createSenderAuth(simBase);
const env: Record<string, string> = {
  DATABASE_URL: services.databaseUrl,
  REDIS_URL: services.redisUrl,
  QUEUE_PREFIX: 'soak',
  LOG_LEVEL: process.env.SOAK_LOG_LEVEL ?? 'warn',
  JWT_SECRET: randomBytes(32).toString('hex'),
  ...simEnv(simBase),
  ...auth.env,
  // Crashed workers' jobs come back within seconds instead of 30 s.
  JOB_LOCK_MS: '5000',
  STALLED_INTERVAL_MS: '5000',
  // Retries on the documented schedules, 20x faster, so a 10-minute soak sees them end.
  BACKOFF_TIME_SCALE: '0.05',
  // Beds24's credit budget is not what this measures.
  BEDS24_CREDIT_BUDGET: '1000000',
  BEDS24_CREDIT_FLOOR: '0',
  // Likewise SIIGO's 100 requests/min: the soak sends ~300 SIIGO webhooks a minute.
  SIIGO_WEBHOOK_MAX_PER_MIN: '100000',
  SIIGO_SYNC_INTERVAL_MS: '120000',
  SIIGO_BUDGET_MAX: '100000',
  ORDERS_SWEEP_INTERVAL_MS: '20000',
  ORDERS_SWEEP_AFTER_MS: '15000',
  // worker-whatsapp's input is a file: the demo's sample, synced every 30 s.
  WHATSAPP_CONNECTIONS_FILE: 'apps/provider-sim/fixtures/whatsapp-connections.json',
  WHATSAPP_SYNC_INTERVAL_MS: '30000',
};

const stack = new Stack(env);
stack.start('provider-sim', 'apps/provider-sim/src/main.ts', {
  SIM_PORT: String(simPort),
  SIM_FAULTS: JSON.stringify([
    // Every provider API route (not the sim's control routes): 5% errors, 0-80 ms random latency.
    { route: '^\\S+ /(?!__sim)', errorRate: 0.05, errorStatus: 503, latencyJitterMs: 80 },
  ]),
});
await waitHttp(`${simBase}/__sim/health`);
stack.start('ingress', 'apps/ingress/src/main.ts', { PORT: String(ingressPort), HOST: '127.0.0.1' });
const workerPorts: Record<string, number> = {};
for (const w of WORKERS) {
  workerPorts[w] = await freePort();
  stack.start(w, `apps/${w}/src/main.ts`, { WORKER_PORT: String(workerPorts[w]), WORKER_HOST: '127.0.0.1' });
}
// How long the apps may take to start (a loaded machine compiles 8 TypeScript apps at once).
const START_MS = Number(process.env.SOAK_START_TIMEOUT_MS ?? 30_000);
await waitHttp(`${ingress}/api/ready`, START_MS);
for (const w of WORKERS) await waitHttp(`http://127.0.0.1:${workerPorts[w]}/health`, START_MS);
log(`stack up: ingress ${ingress}, provider-sim ${simBase}, workers ${JSON.stringify(workerPorts)}`);

const seeded = await Traffic.seed(simBase, 300, 300);
const traffic = new Traffic(
  {
    ingress,
    sim: simBase,
    beds24Token: auth.beds24Token,
    siigoPath: auth.siigoPath,
    ordersApiKey: auth.ordersApiKey,
    extra: extraSenders(auth),
  },
  seeded.bookingIds,
  seeded.productIds,
);

// Memory: RSS of every app once a minute (workers that were restarted start over, so the
// per-process series restarts with them).
const rss: Array<Record<string, number | null>> = [];
const sampleRss = async () => {
  const row: Record<string, number | null> = {};
  for (const [name, pid] of Object.entries(stack.pids())) row[name] = await rssMb(pid);
  rss.push(row);
};
await sampleRss();

// Backlog: the oldest waiting job across queues, from the workers' own gauge.
let maxLagSeconds = 0;
const sampleLag = async () => {
  for (const port of Object.values(workerPorts)) {
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const m of text.matchAll(/^queue_oldest_waiting_seconds\{[^}]*\} ([\d.e+-]+)$/gm))
        maxLagSeconds = Math.max(maxLagSeconds, Number(m[1]));
    } catch {
      // the worker is being restarted by the chaos script
    }
  }
};

const chaosLog: string[] = [];
const started = Date.now();
const timers = [
  setInterval(() => void sampleRss(), 60_000),
  setInterval(() => void sampleLag(), 5_000),
  setInterval(() => {
    const victim = WORKERS[Math.floor(Math.random() * WORKERS.length)]!;
    chaosLog.push(`${Math.round((Date.now() - started) / 1000)}s kill -9 ${victim}`);
    stack.crashAndRestart(victim).catch((e) => log(`restart of ${victim} failed: ${e}`));
  }, CHAOS_EVERY_MS),
];
const outages = [
  setTimeout(() => {
    chaosLog.push(`${Math.round((Date.now() - started) / 1000)}s restart Redis (5 s down)`);
    services.restartRedis(5_000).catch((e) => log(`Redis restart failed: ${e}`));
  }, DURATION_MS * 0.35),
  setTimeout(() => {
    // Comes back without its data: every queued job is gone; the ingress's redrive re-adds them.
    chaosLog.push(`${Math.round((Date.now() - started) / 1000)}s restart Redis EMPTY (5 s down)`);
    services.restartRedis(5_000, { empty: true }).catch((e) => log(`empty Redis restart failed: ${e}`));
  }, DURATION_MS * 0.5),
  setTimeout(() => {
    chaosLog.push(`${Math.round((Date.now() - started) / 1000)}s restart PostgreSQL (5 s down)`);
    services.restartPostgres(5_000).catch((e) => log(`PostgreSQL restart failed: ${e}`));
  }, DURATION_MS * 0.65),
];

// Steady rate: one event every 1000/RATE ms, each in flight on its own (a slow answer does not
// slow the stream, as with real providers).
log(`sending ${RATE} events/s for ${MINUTES} min with chaos every ${CHAOS_EVERY_MS / 1000} s`);
const inFlight = new Set<Promise<unknown>>();
let sentCount = 0;
while (Date.now() - started < DURATION_MS) {
  const p = traffic.next().finally(() => inFlight.delete(p));
  inFlight.add(p);
  sentCount++;
  if (sentCount % (RATE * 60) === 0) log(`${sentCount} events sent, ${inFlight.size} in flight`);
  const due = started + (sentCount * 1000) / RATE;
  await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
}
for (const t of timers) clearInterval(t);
for (const t of outages) clearTimeout(t);
log(`traffic stopped; waiting for ${inFlight.size} deliveries still retrying`);
await Promise.all(inFlight);
await sampleRss();

const DRAIN_MS = Number(process.env.SOAK_DRAIN_MS ?? 300_000);
let left = await drain(services.databaseUrl, DRAIN_MS, log);
// What an operator does next: replay every dead letter of the run through the admin API, then
// wait for the replays. What still fails after that is reported as dead-lettered.
const deadLetteredInRun = await countFailures(services.databaseUrl);
const replay = await replayDeadLetters(ingress, env.JWT_SECRET!, new Date(started - 60_000));
log(`replayed ${replay.replayed} of ${replay.matched} dead letters (${replay.errors.length} errors)`);
if (replay.replayed) left = await drain(services.databaseUrl, DRAIN_MS, log);
const result = await check(services.databaseUrl, traffic);
const latencies = traffic.deliveries.filter((d) => d.status > 0 && d.status < 300).map((d) => d.latencyMs);
const retryAnswers = traffic.deliveries.reduce((a, d) => a + d.retryAnswers, 0);

if (result.unfinished || left)
  for (const name of WORKERS)
    console.log(
      `\nlast log lines of ${name}:\n  ${stack.tail(name, Number(process.env.SOAK_TAIL_LINES ?? 8)).join('\n  ')}`,
    );
await stack.stopAll();
await services.stop();

console.log('\nchaos:', chaosLog.join('; '));
console.log('\nRSS (MB) per minute:');
const names = Object.keys(rss[0] ?? {});
console.log(['minute', ...names].map((s) => s.padStart(16)).join(''));
for (const [i, row] of rss.entries())
  console.log([String(i), ...names.map((n) => String(row[n] ?? '-'))].map((s) => s.padStart(16)).join(''));
console.log(`
Soak: ${MINUTES} min at ${RATE} events/s, provider-sim 5% errors + 0-80 ms latency, worker kill -9 every ${CHAOS_EVERY_MS / 1000} s, Redis and PostgreSQL restarted once

events sent                 ${result.sent}
accepted                    ${result.accepted}
503/429 answers (retried)   ${retryAnswers}
lost                        ${result.lost}
duplicates                  ${result.duplicates}
refused (4xx)               ${result.refused}
never accepted              ${result.undelivered}
unfinished after drain      ${result.unfinished} (+${left} still in flight at drain timeout)
dead-lettered in the run    ${deadLetteredInRun} (replayed ${replay.replayed} via POST /api/admin/failures/replay)
dead-lettered after replay  ${result.deadLettered}
wrong bookings / products   ${result.wrongBookings} / ${result.wrongProducts}
orders not synced, not DLQ  ${result.ordersUnsynced}
p99 ingress latency         ${percentile(latencies, 99).toFixed(1)} ms (p50 ${percentile(latencies, 50).toFixed(1)} ms, client side, accepted attempts)
max queue lag               ${maxLagSeconds.toFixed(1)} s
`);
if (result.details.length) console.log(`first problems:\n  ${result.details.join('\n  ')}`);
const maxRss = Math.max(...rss.flatMap((r) => Object.values(r).filter((v): v is number => v !== null)));
console.log(
  JSON.stringify({
    bench: 'soak',
    figures: {
      minutes: MINUTES,
      rate: RATE,
      sent: result.sent,
      accepted: result.accepted,
      retry_answers: retryAnswers,
      lost: result.lost,
      duplicates: result.duplicates,
      refused: result.refused,
      undelivered: result.undelivered,
      unfinished: result.unfinished,
      dead_lettered_in_run: deadLetteredInRun,
      dead_lettered_after_replay: result.deadLettered,
      wrong_rows: result.wrongBookings + result.wrongProducts,
      p99_ingress_ms: percentile(latencies, 99),
      max_queue_lag_s: maxLagSeconds,
      max_rss_mb: maxRss,
    },
    baseline: {},
    ratio: null,
  }),
);
const passed =
  result.lost === 0 &&
  result.duplicates === 0 &&
  result.unfinished === 0 &&
  left === 0 &&
  result.wrongBookings + result.wrongProducts + result.ordersUnsynced === 0;
console.log(
  passed ? 'PASS: nothing lost, nothing duplicated, everything processed or dead-lettered' : 'FAIL',
);
process.exit(passed ? 0 : 1);

/** Bulk replay of every dead letter since `since`, as an admin with a token from the token CLI. */
async function replayDeadLetters(base: string, jwtSecret: string, since: Date) {
  const token = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'apps/ingress/src/cli/token.ts', '--role', 'admin', '--sub', 'soak'],
    { env: { ...process.env, JWT_SECRET: jwtSecret } },
  )
    .toString()
    .trim();
  const res = await fetch(`${base}/api/admin/failures/replay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ since: since.toISOString() }),
  });
  if (!res.ok) throw new Error(`bulk replay: ${res.status} ${await res.text()}`);
  return (await res.json()) as { matched: number; replayed: number; errors: unknown[] };
}
