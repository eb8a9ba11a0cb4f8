/**
 * `pnpm bench:footprint`: resident memory (VmRSS from /proc/<pid>/status) of every Cauce process
 * after start, after a warm-up and at the end of bench:soak's traffic mix (provider-sim with 5%
 * errors and random latency; no chaos), for three deployments side by side in the same run:
 *
 *   split-tsx   one process per role from source through tsx (what `npm run stack --split` ran
 *               and every deployment measured before all-in-one: the baseline)
 *   split-dist  one process per role, compiled (`npm run build` + `deploy:prod`, as production)
 *   all-dist    `cauce all`: every role in one compiled process
 *
 * Each has its own database, queue prefix and provider-sim (not counted); all three take the same
 * traffic at once. FOOTPRINT_SECONDS (default 60; the target is 600), FOOTPRINT_WARMUP_S
 * (15), FOOTPRINT_RATE (events/s per deployment, default 20 like the soak), FOOTPRINT_MODES,
 * FOOTPRINT_DEPLOY_DIR (reuse a deploy instead of building one). At the end it also splits each
 * process's RSS into its own (anonymous) memory and mapped files: a sum of RSS counts the node
 * binary once per process, so it prints each deployment's own memory (anon + one copy) beside it.
 * The split-dist workers run with the node flags of their docker-compose.yml command.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, ensureTemplateDatabase } from '../packages/testkit/src/database.ts';
import { freePort } from '../packages/testkit/src/process.ts';
import { deleteRedisPrefix } from '../packages/testkit/src/redis-prefix.ts';
import { build } from '../scripts/build.ts';
import { deploy } from '../scripts/deploy.ts';
import { adminUrl, redisUrl } from './sim-process.ts';
import { createSenderAuth, SOAK_SIM_FAULTS, sendSteady, soakEnv, soakTraffic } from './soak/mix.ts';
import {
  fromDeploy,
  fromSource,
  type Launch,
  memoryMb,
  rssMb,
  Stack,
  WORKERS,
  waitHttp,
} from './soak/stack.ts';

const SECONDS = Number(process.env.FOOTPRINT_SECONDS ?? 60);
const WARMUP_S = Number(process.env.FOOTPRINT_WARMUP_S ?? 15);
const RATE = Number(process.env.FOOTPRINT_RATE ?? 20);
const START_MS = Number(process.env.FOOTPRINT_START_TIMEOUT_MS ?? 300_000);
const ALL_TARGET_MB = 300;
const MODES = ['split-tsx', 'split-dist', 'all-dist'] as const;
type Mode = (typeof MODES)[number];
const modes = (process.env.FOOTPRINT_MODES?.split(',') ?? MODES).filter((m): m is Mode =>
  (MODES as readonly string[]).includes(m),
);
const log = (s: string) => console.log(`[footprint ${new Date().toISOString().slice(11, 19)}] ${s}`);
const PHASES = ['start', 'warm', 'end'] as const;

// FOOTPRINT_DEPLOY_DIR: an existing `npm run deploy:prod` folder (kept), instead of building one.
const reuse = process.env.FOOTPRINT_DEPLOY_DIR;
const needsDeploy = !reuse && modes.some((m) => m.endsWith('-dist'));
const deployDir = reuse ?? (needsDeploy ? mkdtempSync(join(tmpdir(), 'cauce-footprint-')) : '');
if (needsDeploy) {
  build(log);
  await deploy(deployDir, log);
}
const template = await ensureTemplateDatabase(adminUrl);

interface Deployment {
  mode: Mode;
  stack: Stack;
  ingress: string;
  prefix: string;
  database: Awaited<ReturnType<typeof createTestDatabase>>;
  sim: string;
  /** The secrets its apps were started with, which the traffic signs with. */
  auth: ReturnType<typeof createSenderAuth>;
  /** RSS (MB) per process (provider-sim excluded) at each phase. */
  rss: Partial<Record<(typeof PHASES)[number], Record<string, number | null>>>;
  /** At the end: what each process's RSS is made of (memoryMb). */
  memory: Record<string, Awaited<ReturnType<typeof memoryMb>>>;
  sent: number;
}

const apps = (mode: Mode): Array<[string, Launch]> => {
  // The compiled modes run what docker-compose.yml runs (its `all` service for the all-in-one).
  if (mode === 'all-dist') return [['all', fromDeploy(deployDir, 'all')]];
  const launch = (app: string) =>
    mode === 'split-tsx' ? fromSource(`apps/${app}/src/main.ts`) : fromDeploy(deployDir, app);
  return [['ingress', launch('ingress')], ...WORKERS.map((w): [string, Launch] => [w, launch(w)])];
};

async function startDeployment(mode: Mode): Promise<Deployment> {
  const database = await createTestDatabase(adminUrl, template);
  const prefix = `foot${mode.replace('-', '')}${randomBytes(3).toString('hex')}`;
  const simPort = await freePort();
  const ingressPort = await freePort();
  const sim = `http://127.0.0.1:${simPort}`;
  const auth = createSenderAuth(sim);
  const stack = new Stack(soakEnv({ databaseUrl: database.url, redisUrl, prefix, simBase: sim, auth }));
  stack.start('provider-sim', 'apps/provider-sim/src/main.ts', {
    SIM_PORT: String(simPort),
    SIM_FAULTS: SOAK_SIM_FAULTS,
  });
  await waitHttp(`${sim}/__sim/health`, START_MS);
  for (const [name, launch] of apps(mode))
    stack.start(name, launch, {
      NODE_ENV: mode === 'split-tsx' ? 'development' : 'production',
      PORT: String(ingressPort),
      HOST: '127.0.0.1',
      WORKER_PORT: String(await freePort()),
      WORKER_HOST: '127.0.0.1',
    });
  const ingress = `http://127.0.0.1:${ingressPort}`;
  try {
    await waitHttp(`${ingress}/api/ready`, START_MS);
    const deadline = Date.now() + START_MS;
    for (;;) {
      const ready = (await (await fetch(`${ingress}/api/ready`)).json()) as {
        workers: Record<string, string>;
      };
      if (Object.values(ready.workers).every((w) => w === 'up')) break;
      if (Date.now() > deadline) throw new Error(`${mode}: workers not up: ${JSON.stringify(ready.workers)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    // Not in `deployments` yet: stop what started here.
    await stack.stopAll();
    await database.drop().catch(() => {});
    throw err;
  }
  log(`${mode} up (${apps(mode).length} process(es))`);
  return { mode, stack, ingress, prefix, database, sim, auth, rss: {}, memory: {}, sent: 0 };
}

async function sample(d: Deployment, phase: (typeof PHASES)[number]) {
  const row: Record<string, number | null> = {};
  for (const [name, pid] of Object.entries(d.stack.pids()))
    if (name !== 'provider-sim') {
      row[name] = await rssMb(pid);
      if (phase === 'end') d.memory[name] = await memoryMb(pid);
    }
  d.rss[phase] = row;
}

/** Anonymous memory of every process plus one copy of the files they map (the largest mapping). */
const ownMb = (d: Deployment) => {
  const ms = Object.values(d.memory);
  return ms.reduce((a, m) => a + (m?.anon ?? 0), 0) + Math.max(0, ...ms.map((m) => m?.file ?? 0));
};

const total = (row: Record<string, number | null> | undefined) =>
  Object.values(row ?? {}).reduce<number>((a, v) => a + (v ?? 0), 0);

const deployments: Deployment[] = [];
try {
  // One at a time: three stacks compiling TypeScript at once would only slow each other's start.
  for (const mode of modes) deployments.push(await startDeployment(mode));
  // Settled: the start's garbage collected the way an idle process would.
  await new Promise((r) => setTimeout(r, 5_000));
  for (const d of deployments) await sample(d, 'start');
  const traffic = await Promise.all(deployments.map((d) => soakTraffic(d.ingress, d.sim, d.auth)));
  log(`warm-up: ${WARMUP_S} s at ${RATE} events/s per deployment`);
  await runTraffic(traffic, WARMUP_S);
  for (const d of deployments) await sample(d, 'warm');
  log(`soak mix: ${SECONDS} s at ${RATE} events/s per deployment`);
  await runTraffic(traffic, SECONDS);
  for (const d of deployments) await sample(d, 'end');
  await report();
} finally {
  for (const d of deployments) {
    await d.stack.stopAll();
    await d.database.drop().catch(() => {});
    await deleteRedisPrefix(redisUrl, d.prefix).catch(() => {});
  }
  if (needsDeploy) rmSync(deployDir, { recursive: true, force: true });
}

async function runTraffic(traffic: Awaited<ReturnType<typeof soakTraffic>>[], seconds: number) {
  await Promise.all(
    traffic.map((t, i) =>
      sendSteady(t, { rate: RATE, durationMs: seconds * 1000 }).then(async (r) => {
        deployments[i]!.sent += r.sent;
        await r.settled;
      }),
    ),
  );
}

async function processed(d: Deployment) {
  const client = new pg.Client(d.database.url);
  await client.connect();
  try {
    const { rows } = await client.query<{ total: string; final: string }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE status IN ('processed', 'ignored', 'failed')) AS final
         FROM webhook_events`,
    );
    return { total: Number(rows[0]!.total), final: Number(rows[0]!.final) };
  } finally {
    await client.end();
  }
}

async function report() {
  console.log(
    `\nRSS (MB, VmRSS) per process: after start, after ${WARMUP_S} s warm-up, after ${SECONDS} s of the soak mix at ${RATE} events/s\n`,
  );
  console.log(['mode', 'process', ...PHASES].map((s, i) => (i < 2 ? s.padEnd(16) : s.padStart(8))).join(''));
  for (const d of deployments) {
    for (const name of Object.keys(d.rss.start ?? {}))
      console.log(
        [
          d.mode.padEnd(16),
          name.padEnd(16),
          ...PHASES.map((p) => String(d.rss[p]?.[name] ?? '-').padStart(8)),
        ].join(''),
      );
    console.log(
      [d.mode.padEnd(16), 'TOTAL'.padEnd(16), ...PHASES.map((p) => String(total(d.rss[p])).padStart(8))].join(
        '',
      ),
    );
  }
  const byMode = Object.fromEntries(deployments.map((d) => [d.mode, d]));
  console.log(
    "\nAt the end, what that RSS is made of (MB, smaps_rollup): anon = the process's own (heap, stacks," +
      '\nmalloc); file = mapped files (the node binary, libraries), one copy in memory however many' +
      "\nprocesses of an image map it, and counted again in each one's RSS. A deployment's own memory is" +
      '\nits anon plus one copy of the files.\n',
  );
  console.log(
    ['mode', 'process', 'anon', 'file'].map((s, i) => (i < 2 ? s.padEnd(16) : s.padStart(8))).join(''),
  );
  for (const d of deployments) {
    for (const [name, m] of Object.entries(d.memory))
      console.log(
        [
          d.mode.padEnd(16),
          name.padEnd(16),
          String(m?.anon ?? '-').padStart(8),
          String(m?.file ?? '-').padStart(8),
        ].join(''),
      );
    console.log(`${d.mode.padEnd(16)}${'own memory'.padEnd(16)}${String(ownMb(d)).padStart(8)}`);
  }
  const end = (m: Mode) => (byMode[m] ? total(byMode[m]!.rss.end) : undefined);
  console.log('\nwebhook events stored / settled per deployment:');
  for (const d of deployments) {
    const p = await processed(d);
    console.log(`  ${d.mode.padEnd(12)} sent ${d.sent}, stored ${p.total}, settled ${p.final}`);
  }
  const tsx = end('split-tsx');
  const dist = end('split-dist');
  const all = end('all-dist');
  if (all !== undefined)
    console.log(
      `\nall-in-one at the end: ${all} MB (target < ${ALL_TARGET_MB} MB): ${all < ALL_TARGET_MB ? 'met' : 'missed'}`,
    );
  if (tsx !== undefined && dist !== undefined)
    console.log(
      `split, compiled vs today's tsx: ${dist} vs ${tsx} MB, ${(((tsx - dist) / tsx) * 100).toFixed(0)}% less (target >= 33%)`,
    );
  if (tsx !== undefined && all !== undefined)
    console.log(
      `all-in-one vs today's split: ${all} vs ${tsx} MB, ${(((tsx - all) / tsx) * 100).toFixed(0)}% less`,
    );
  const own = (m: Mode) => (byMode[m] ? ownMb(byMode[m]!) : undefined);
  const [tsxOwn, distOwn] = [own('split-tsx'), own('split-dist')];
  if (tsxOwn !== undefined && distOwn !== undefined)
    console.log(
      `split, compiled vs today's tsx, own memory (anon + one copy of the files): ${distOwn} vs ${tsxOwn} MB, ${(((tsxOwn - distOwn) / tsxOwn) * 100).toFixed(0)}% less`,
    );
  console.log(
    JSON.stringify({
      bench: 'footprint',
      figures: {
        seconds: SECONDS,
        ...(all !== undefined && {
          all_in_one_start_mb: total(byMode['all-dist']!.rss.start),
          all_in_one_end_mb: all,
          all_in_one_end_own_mb: own('all-dist'),
        }),
        ...(dist !== undefined && {
          split_dist_start_mb: total(byMode['split-dist']!.rss.start),
          split_dist_end_mb: dist,
          split_dist_end_own_mb: distOwn,
        }),
      },
      baseline:
        tsx !== undefined
          ? {
              split_tsx_start_mb: total(byMode['split-tsx']!.rss.start),
              split_tsx_end_mb: tsx,
              split_tsx_end_own_mb: tsxOwn,
            }
          : {},
      ratio: tsx !== undefined && dist !== undefined ? dist / tsx : null,
    }),
  );
}
