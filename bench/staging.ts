/**
 * `pnpm bench:staging`: stages 500,000 simulated GHL contacts (provider-sim in its own process,
 * zero latency, no rate limit, pages of 500) through worker-staging (its own process, as in
 * production), then unifies the 500,000 raw rows into clients. Prints rows/s for both and the
 * worker's peak RSS. Baseline, measured in the same run: paging through the same contacts with the
 * same client and nothing else (HTTP + JSON only), so the ratio is the share of the fetch rate
 * left after mapping and writing. The targets (15,000 rows/s, unify under 60 s, RSS under
 * 500 MB) are printed beside. BENCH_STAGING_ROWS overrides the row count.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GHL_SIM_LOCATION, GHL_SIM_TOKEN } from '@cauce/provider-sim/providers/ghl';
import { JOBS, Producer, QUEUES } from '@cauce/queues';
import { createRedis } from '@cauce/runtime';
import pg from 'pg';
import { GhlClient } from '../packages/providers/src/ghl/client.ts';
import { createTestDatabase, ensureTemplateDatabase } from '../packages/testkit/src/database.ts';
import { freePort, startApp } from '../packages/testkit/src/process.ts';
import { adminUrl, redisUrl, startSimProcess } from './sim-process.ts';

const ROWS = Number(process.env.BENCH_STAGING_ROWS ?? 500_000);
const TIME_LIMIT_MS = 10 * 60_000;

const { app: sim, base: simBase, json: simJson } = await startSimProcess({ LOG_LEVEL: 'silent' });
await simJson('POST', '/__sim/ghl/contacts', { count: ROWS });

const database = await createTestDatabase(adminUrl, await ensureTemplateDatabase(adminUrl));
const prefix = `bench${randomBytes(4).toString('hex')}`;
const pool = new pg.Pool({ connectionString: database.url, max: 2 });
const redis = createRedis(redisUrl);
const producer = new Producer(redis, prefix);
const workerPort = await freePort();
const worker = await startApp(
  'apps/worker-staging/src/main.ts',
  {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    WORKER_PORT: String(workerPort),
    WORKER_HOST: '127.0.0.1',
    GHL_BASE_URL: `${simBase}/ghl`,
    GHL_TOKEN: GHL_SIM_TOKEN,
    GHL_LOCATION_ID: GHL_SIM_LOCATION,
    GHL_PAGE_SIZE: '500',
    GHL_BUDGET_MAX: '100000',
    JOB_LOCK_MS: '120000',
  },
  { readyUrl: `http://127.0.0.1:${workerPort}/health` },
);

let peakRss = 0;
const rssOf = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};
const sampler = setInterval(() => {
  if (worker.proc.pid) peakRss = Math.max(peakRss, rssOf(worker.proc.pid));
}, 100);

/** The bench stages GoHighLevel (the largest source) and unifies it. */
async function runAndWait(source: 'ghl' | 'unify', kind: 'sync' | 'unify') {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO sync_runs (source, kind, status) VALUES ($1, $2, 'queued') RETURNING id`,
    [source, kind],
  );
  const runId = String(rows[0]?.id);
  const started = performance.now();
  if (source === 'unify') await producer.add(QUEUES.stagingUnify, JOBS.stagingUnify, { runId });
  else await producer.add(QUEUES.stagingGhl, JOBS.stagingSync, { runId, source });
  for (;;) {
    const r = await pool.query<{ status: string; error: string | null; counters: Record<string, unknown> }>(
      'SELECT status, error, counters FROM sync_runs WHERE id = $1',
      [runId],
    );
    const run = r.rows[0];
    if (run?.status === 'succeeded')
      return { seconds: (performance.now() - started) / 1000, counters: run.counters };
    if (run?.status === 'failed') throw new Error(`${kind} failed: ${run.error}`);
    if (performance.now() - started > TIME_LIMIT_MS) throw new Error(`${kind} did not finish in time`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Baseline: every page of the same contacts through the same client, nothing written. */
async function fetchOnly() {
  const client = new GhlClient({
    baseUrl: `${simBase}/ghl`,
    token: GHL_SIM_TOKEN,
    locationId: GHL_SIM_LOCATION,
  });
  const started = performance.now();
  let rows = 0;
  let after: Array<string | number> | null = null;
  try {
    do {
      const page = await client.searchContacts(500, after);
      rows += page.contacts.length;
      after = page.next;
    } while (after);
  } finally {
    await client.close();
  }
  return { rows, seconds: (performance.now() - started) / 1000 };
}

try {
  const fetched = await fetchOnly();
  const staging = await runAndWait('ghl', 'sync');
  const staged = Number((await pool.query('SELECT count(*) AS n FROM ghl_contacts_raw')).rows[0].n);
  const unify = await runAndWait('unify', 'unify');
  const clients = Number((await pool.query('SELECT count(*) AS n FROM clients')).rows[0].n);
  clearInterval(sampler);
  const figures = {
    rows: ROWS,
    staging_seconds: Number(staging.seconds.toFixed(2)),
    staging_rows_per_s: Math.round(staged / staging.seconds),
    unify_seconds: Number(unify.seconds.toFixed(2)),
    unify_rows_per_s: Math.round(ROWS / unify.seconds),
    clients,
    worker_peak_rss_mb: Math.round(peakRss / 1024 / 1024),
  };
  console.log('\nstaging bench (GHL contacts from provider-sim, zero latency, no rate limit)');
  console.table({
    staging: { rows: staged, seconds: figures.staging_seconds, 'rows/s': figures.staging_rows_per_s },
    unify: { rows: ROWS, seconds: figures.unify_seconds, 'rows/s': figures.unify_rows_per_s },
  });
  console.log(`clients: ${clients}; worker peak RSS: ${figures.worker_peak_rss_mb} MB`);
  console.log('unify steps (ms):', JSON.stringify(unify.counters.timings));
  if (staged !== ROWS || clients !== ROWS)
    throw new Error(`expected ${ROWS} rows and clients, got ${staged}/${clients}`);
  if (fetched.rows !== ROWS) throw new Error(`fetch-only baseline paged ${fetched.rows} of ${ROWS} rows`);
  const baseline = { fetch_only_rows_per_s: Math.round(fetched.rows / fetched.seconds) };
  console.log(
    `fetch only (baseline): ${baseline.fetch_only_rows_per_s} rows/s; staging keeps ${(
      (100 * figures.staging_rows_per_s) / baseline.fetch_only_rows_per_s
    ).toFixed(0)}% of it. Targets: staging >= 15,000 rows/s, unify < 60 s, RSS < 500 MB.`,
  );
  console.log(
    JSON.stringify({
      bench: 'staging',
      figures,
      baseline,
      ratio: Number((figures.staging_rows_per_s / baseline.fetch_only_rows_per_s).toFixed(3)),
    }),
  );
} finally {
  clearInterval(sampler);
  await worker.stop('SIGTERM');
  await sim.stop('SIGTERM');
  await producer.close();
  redis.disconnect();
  await pool.end();
  await database.drop();
}
