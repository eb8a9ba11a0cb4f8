/**
 * `pnpm bench:ingress`: autocannon on loopback, 50 connections, a Beds24 webhook with a valid
 * token and a distinct booking per request, against (1) the real ingress (auth, zod, durable
 * group-commit insert, batched enqueue, 202 only after the commit) and (2) a bare Fastify server
 * that only answers 202, both as their own processes, in the same run. Afterwards every 2xx the
 * ingress gave is checked against the rows it stored.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { createTestDatabase, ensureTemplateDatabase } from '../packages/testkit/src/database.ts';
import { freePort, startApp } from '../packages/testkit/src/process.ts';
import { adminUrl, redisUrl } from './sim-process.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 15);
const TOKEN = randomBytes(24).toString('hex');

function load(url: string, title: string) {
  let seq = 0;
  const run = Date.now();
  return autocannon({
    url,
    title,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        method: 'POST',
        path: '/api/webhooks/beds24',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        setupRequest: (req) => {
          seq++;
          req.body = JSON.stringify({
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

const database = await createTestDatabase(adminUrl, await ensureTemplateDatabase(adminUrl));
const prefix = `benchingress${randomBytes(3).toString('hex')}`;
const barePort = await freePort();
const ingressPort = await freePort();
const bare = await startApp(
  'bench/ingress/bare-server.ts',
  { PORT: String(barePort) },
  {
    readyUrl: undefined,
  },
);
const ingress = await startApp(
  'apps/ingress/src/main.ts',
  {
    DATABASE_URL: database.url,
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
  { readyUrl: `http://127.0.0.1:${ingressPort}/api/ready` },
);
await new Promise((r) => setTimeout(r, 500));
try {
  console.log(`warming up…`);
  await autocannon({
    url: `http://127.0.0.1:${barePort}/api/webhooks/beds24`,
    connections: 10,
    duration: 2,
    method: 'POST',
  });
  const b = summary(await load(`http://127.0.0.1:${barePort}`, 'bare'));
  const i = summary(await load(`http://127.0.0.1:${ingressPort}`, 'ingress'));

  const client = new pg.Client(database.url);
  await client.connect();
  const { rows } = await client.query<{ stored: string; queued: string }>(
    `SELECT count(*) AS stored, count(*) FILTER (WHERE status = 'queued') AS queued FROM webhook_events`,
  );
  await client.end();
  const stored = Number(rows[0]!.stored);
  const ratio = i.rps / b.rps;
  console.log(`
Ingress under load: ${CONNECTIONS} connections, ${DURATION_S} s each, loopback, Beds24 webhook with token

server                          req/s     p50 ms    p99 ms      2xx   errors
bare Fastify 202             ${b.rps.toFixed(0).padStart(8)} ${String(b.p50).padStart(10)} ${String(b.p99).padStart(9)} ${String(b.ok).padStart(8)} ${String(b.errors).padStart(8)}
ingress (full path)          ${i.rps.toFixed(0).padStart(8)} ${String(i.p50).padStart(10)} ${String(i.p99).padStart(9)} ${String(i.ok).padStart(8)} ${String(i.errors).padStart(8)}

ingress / bare = ${(ratio * 100).toFixed(1)}% (target >= 40%, p99 < 25 ms). Rows stored: ${stored} for ${i.ok} acknowledged (stored must be >= acknowledged), ${rows[0]!.queued} queued.`);
  console.log(
    JSON.stringify({
      bench: 'ingress',
      figures: {
        ingress_rps: i.rps,
        ingress_p50_ms: i.p50,
        ingress_p99_ms: i.p99,
        acknowledged: i.ok,
        stored,
      },
      baseline: { bare_rps: b.rps, bare_p50_ms: b.p50, bare_p99_ms: b.p99 },
      ratio,
    }),
  );
  // Requests in flight when the load stopped may be stored without their answer being counted.
  if (stored < i.ok) process.exitCode = 1;
} finally {
  await ingress.stop('SIGTERM');
  await bare.stop('SIGTERM');
  await database.drop().catch(() => {});
}
