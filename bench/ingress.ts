/**
 * `pnpm bench:ingress`: autocannon on loopback, 50 connections, a Beds24 webhook with a valid
 * token and a distinct booking per request, against (1) the real ingress (auth, zod, durable
 * group-commit insert, batched enqueue, 202 only after the commit), (2) a bare Fastify server
 * that only answers 202 and (3) the naive durable path (one INSERT and one BullMQ add per
 * request, bench/ingress/naive-server.ts), each as its own process, in the same run, on a private
 * PostgreSQL cluster and Redis server (so /proc counts only this bench's database work).
 * For each it prints the CPU microseconds per acknowledged webhook of the server, PostgreSQL
 * (every process of the cluster), Redis and the load generator, from /proc/<pid>/stat deltas.
 * For the ingress run it also prints PostgreSQL commits and WAL bytes, Redis commands and (with
 * BENCH_PG_STATEMENTS=1, which preloads pg_stat_statements) the top statements per webhook, and
 * the design's floor: the group-commit INSERT and the BullMQ addBulk alone (bench/ingress/floor.ts)
 * at about the ingress's batch size and at its largest, plus bare Fastify's HTTP.
 * Afterwards every 2xx the ingress gave is checked against the rows it stored.
 */
import { randomBytes } from 'node:crypto';
import { migrate } from '@cauce/db';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startPrivateServices } from '../packages/testkit/src/private-services.ts';
import { freePort, startApp } from '../packages/testkit/src/process.ts';
import { type Floor, measureFloor } from './ingress/floor.ts';
import { cpuMeter, procStat, withChildren } from './ingress/proc-cpu.ts';
import { dbProfile } from './ingress/profile.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 15);
const TOKEN = randomBytes(24).toString('hex');
const FLOOR_EVENTS = Number(process.env.BENCH_FLOOR_EVENTS ?? 20_000);

/** The load's body: a Beds24 V2-style booking change, a distinct booking per `seq`. */
const beds24Body = (seq: number, run: number) =>
  JSON.stringify({
    timeStamp: new Date().toISOString().slice(0, 19),
    action: 'modified',
    booking: {
      id: 1_000_000 + seq,
      status: 'confirmed',
      modifiedTime: new Date(run + seq).toISOString(),
      firstName: 'Zoë',
      lastName: 'Núñez',
      arrival: '2026-12-20',
      departure: '2026-12-23',
      price: 450000,
    },
    infoItems: [],
    invoiceItems: [{ type: 'charge', amount: 450000 }],
    messages: [],
    retries: 0,
  });

function load(url: string, title: string, duration = DURATION_S) {
  let seq = 0;
  const run = Date.now();
  return autocannon({
    url,
    title,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: 'POST',
        path: '/api/webhooks/beds24',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        setupRequest: (req) => {
          req.body = beds24Body(++seq, run);
          return req;
        },
      },
    ],
  });
}

const summary = (r: autocannon.Result) => ({
  rps: r.requests.average,
  p50: r.latency.p50,
  p99: r.latency.p99,
  ok: r['2xx'],
  errors: r.non2xx + r.errors + r.timeouts,
});

// BENCH_PG_STATEMENTS=1: also list the ingress run's top statements (pg_stat_statements costs PG a little CPU).
const pgStatements = process.env.BENCH_PG_STATEMENTS === '1';
const services = await startPrivateServices(
  pgStatements ? { postgresSettings: { shared_preload_libraries: 'pg_stat_statements' } } : {},
);
// A failed start must not leave the private cluster or a server running.
const started: Array<{ stop(signal?: NodeJS.Signals): Promise<unknown> }> = [];
process.on('uncaughtException', (err) => {
  console.error(err);
  Promise.allSettled(started.map((c) => c.stop('SIGKILL')))
    .then(() => services.stop())
    .finally(() => process.exit(1));
});
await migrate({ databaseUrl: services.databaseUrl, log: () => {} });
const databaseUrl = services.databaseUrl;
const redisUrl = services.redisUrl;
const client = new pg.Client(databaseUrl);
await client.connect();
const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
const postmaster = procStat(backend)!.ppid;
if (pgStatements) await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
const redisInfo = new Redis(redisUrl);
const redisPid = Number(/process_id:(\d+)/.exec(await redisInfo.info('server'))![1]);
const profile = await dbProfile(client, redisInfo);

const prefix = `benchingress${randomBytes(3).toString('hex')}`;
const barePort = await freePort();
const naivePort = await freePort();
const ingressPort = await freePort();
const bare = await startApp('bench/ingress/bare-server.ts', { PORT: String(barePort) });
started.push(bare);
const naive = await startApp('bench/ingress/naive-server.ts', {
  PORT: String(naivePort),
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: `${prefix}naive`,
});
started.push(naive);
const ingress = await startApp(
  'apps/ingress/src/main.ts',
  {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    PORT: String(ingressPort),
    HOST: '127.0.0.1',
    JWT_SECRET: randomBytes(32).toString('hex'),
    BEDS24_WEBHOOK_TOKEN: TOKEN,
    // Tuning knobs pass through (e.g. WEBHOOK_BATCH_CONCURRENCY=2 pnpm bench:ingress).
    ...Object.fromEntries(
      Object.entries(process.env).filter(
        (e): e is [string, string] => /^(WEBHOOK_|RATE_LIMIT_)/.test(e[0]) && e[1] !== undefined,
      ),
    ),
  },
  { readyUrl: `http://127.0.0.1:${ingressPort}/api/ready`, timeoutMs: 300_000 },
);
for (const port of [barePort, naivePort]) {
  for (let i = 0; ; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (i > 300) throw new Error(`port ${port} never answered`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** CPU per acknowledged webhook (µs) of each process group over one load run. */
interface Cpu {
  server: number;
  postgres: number;
  redis: number;
  load: number;
}
async function measured(pid: number, url: string, title: string) {
  const meter = cpuMeter({
    server: () => [pid],
    postgres: () => withChildren(postmaster),
    redis: () => [redisPid],
    load: () => [process.pid],
  });
  meter.start();
  const result = summary(await load(url, title));
  const used = meter.read();
  const per = (us: number) => (result.ok ? us / result.ok : 0);
  const cpu: Cpu = {
    server: per(used.server!),
    postgres: per(used.postgres!),
    redis: per(used.redis!),
    load: per(used.load!),
  };
  return { ...result, cpu };
}

try {
  console.log(`warming up…`);
  for (const port of [barePort, naivePort, ingressPort]) await load(`http://127.0.0.1:${port}`, 'warm-up', 2);
  const b = await measured(bare.proc.pid!, `http://127.0.0.1:${barePort}`, 'bare');
  const n = await measured(naive.proc.pid!, `http://127.0.0.1:${naivePort}`, 'naive');
  const count = `SELECT count(*) AS stored FROM webhook_events WHERE provider = 'beds24'`;
  const warm = Number((await client.query<{ stored: string }>(count)).rows[0]!.stored);
  if (n.errors) console.log(`naive server errors, first ones:\n${naive.output()}`);
  await profile.start();
  const i = await measured(ingress.proc.pid!, `http://127.0.0.1:${ingressPort}`, 'ingress');
  const where = await profile.report(i.ok);
  // The design's floor, at about the ingress's batch size under this load and at its largest batch.
  const floors: Floor[] = [];
  for (const batch of [10, 500])
    floors.push(
      await measureFloor({
        databaseUrl,
        redisUrl,
        prefix: `${prefix}floor`,
        postmaster,
        redisPid,
        batch,
        events: FLOOR_EVENTS,
        body: (seq) => beds24Body(seq, Date.now()),
      }),
    );

  const { rows } = await client.query<{ stored: string }>(count);
  const stored = Number(rows[0]!.stored) - warm;
  const ratio = i.rps / b.rps;
  const durable = (c: Cpu) => c.server + c.postgres + c.redis;
  const line = (name: string, r: typeof i) =>
    `${name.padEnd(28)} ${r.rps.toFixed(0).padStart(8)} ${String(r.p50).padStart(10)} ${String(r.p99).padStart(9)} ${String(r.ok).padStart(8)} ${String(r.errors).padStart(8)}`;
  const floorTotal = (f: Floor) =>
    f.insert.client + f.insert.server + f.enqueue.client + f.enqueue.server + b.cpu.server;
  const floorLine = (f: Floor) =>
    `${String(f.batch).padEnd(7)} ${[f.insert.client, f.insert.server, f.enqueue.client, f.enqueue.server, b.cpu.server, floorTotal(f)].map((v, k) => v.toFixed(0).padStart(k === 2 ? 17 : k === 4 ? 13 : 7)).join('')}`;
  const cpuLine = (name: string, c: Cpu) =>
    `${name.padEnd(28)} ${[c.server, c.postgres, c.redis, durable(c), c.load].map((v) => v.toFixed(0).padStart(9)).join('')}`;
  console.log(`
Ingress under load: ${CONNECTIONS} connections, ${DURATION_S} s each, loopback, Beds24 webhook with token

server                          req/s     p50 ms    p99 ms      2xx   errors
${line('bare Fastify 202', b)}
${line('naive: INSERT + add each', n)}
${line('ingress (full path)', i)}

CPU µs per acknowledged webhook (/proc utime+stime)
server                          server       PG    Redis  durable     load
${cpuLine('bare Fastify 202', b.cpu)}
${cpuLine('naive: INSERT + add each', n.cpu)}
${cpuLine('ingress (full path)', i.cpu)}
(durable = server + PostgreSQL + Redis; target for the ingress <= 130 µs, p99 <= 25 ms)

Ingress run, per acknowledged webhook:
${where}

The design's floor: its two durable steps alone (the ingress's GroupCommit, the Producer's addBulk),
${FLOOR_EVENTS} events one batch at a time from this process, no HTTP, auth, validation or dedupe (CPU µs per event)
batch   INSERT: caller     PG   addBulk: caller  Redis    + bare HTTP  = floor
${floors.map(floorLine).join('\n')}

ingress / bare = ${(ratio * 100).toFixed(1)}% (target >= 40%, p99 < 25 ms). Rows stored: ${stored} for ${i.ok} acknowledged (stored must be >= acknowledged).`);
  console.log(
    JSON.stringify({
      bench: 'ingress',
      figures: {
        ingress_rps: i.rps,
        ingress_p50_ms: i.p50,
        ingress_p99_ms: i.p99,
        acknowledged: i.ok,
        stored,
        ingress_cpu_us: i.cpu.server,
        ingress_pg_cpu_us: i.cpu.postgres,
        ingress_redis_cpu_us: i.cpu.redis,
        ingress_durable_cpu_us: durable(i.cpu),
        ingress_loadgen_cpu_us: i.cpu.load,
        ...Object.fromEntries(floors.map((f) => [`floor_batch${f.batch}_us`, floorTotal(f)])),
      },
      baseline: {
        bare_rps: b.rps,
        bare_p50_ms: b.p50,
        bare_p99_ms: b.p99,
        naive_rps: n.rps,
        naive_p99_ms: n.p99,
        naive_durable_cpu_us: durable(n.cpu),
      },
      ratio,
    }),
  );
  // Requests in flight when the load stopped may be stored without their answer being counted.
  if (stored < i.ok) process.exitCode = 1;
} finally {
  await client.end();
  redisInfo.disconnect();
  await ingress.stop('SIGTERM');
  await naive.stop('SIGTERM');
  await bare.stop('SIGTERM');
  await services.stop();
}
