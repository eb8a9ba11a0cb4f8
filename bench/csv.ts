/**
 * `pnpm bench:csv`: a 532,000-row contact CSV (the size of the users' staging plan) generated
 * deterministically (external id, name, email, phone in the mixed formats people type, a few bad
 * rows), then (a) baseline: PostgreSQL's own `COPY … FROM` of the same file (psql `\copy`) into a
 * scratch table of text columns, and (b) the full path: a multipart upload over HTTP to the real
 * ingress (its own process) until worker-staging (its own process) reports the run succeeded.
 * Prints rows, seconds, rows/s and the worker's peak RSS (VmHWM), the ratio full/COPY and a JSON
 * line. Targets: under 60 s, worker RSS under 500 MB. BENCH_CSV_ROWS overrides the row count.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, openAsBlob, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import pg from 'pg';
import { authPlugin, mintToken } from '../apps/ingress/src/plugins/auth.ts';
import { createTestDatabase, ensureTemplateDatabase } from '../packages/testkit/src/database.ts';
import { freePort, startApp } from '../packages/testkit/src/process.ts';
import { adminUrl, redisUrl } from './sim-process.ts';

const ROWS = Number(process.env.BENCH_CSV_ROWS ?? 532_000);
const BAD_EVERY = 10_000;
const TIME_LIMIT_MS = 10 * 60_000;

/** mulberry32: the same file on every run. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const FIRST = ['Ana', 'Luis', 'María José', 'Carlos', 'Valentina', 'Andrés', 'Camila', 'Juan Pablo', 'Sofía'];
const LAST = ['Pérez', 'Gómez', 'Rodríguez', 'López', 'Martínez', 'García', 'Hernández', 'Díaz'];
const DOMAINS = ['gmail.com', 'hotmail.com', 'yahoo.es', 'outlook.com', 'empresa.com.co'];

async function writeCsv(path: string) {
  const rnd = prng(532);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const out = createWriteStream(path);
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  await write('external id,name,email,phone\n');
  let bad = 0;
  let buf = '';
  for (let i = 1; i <= ROWS; i++) {
    const name = `${pick(FIRST)} ${pick(LAST)}`;
    const n = String(3_000_000_000 + Math.floor(rnd() * 200_000_000));
    const formats = [
      `+57 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`,
      n,
      `(${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`,
      `+57${n}`,
      `57 ${n}`,
    ];
    if (i % BAD_EVERY === 0) {
      bad++;
      buf += `ext-${i},"${name}",not-an-email,12\n`;
    } else {
      const email = `${name.toLowerCase().replace(/[^a-z]/g, '.')}.${i}@${pick(DOMAINS)}`;
      buf += `ext-${i},"${name}",${rnd() < 0.1 ? ` ${email.toUpperCase()} ` : email},${pick(formats)}\n`;
    }
    if (buf.length > 1 << 16) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf);
  await new Promise<void>((r) => out.end(r));
  return { bad };
}

const peakOf = (pid: number | undefined) => {
  if (!pid) return 0;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
};

const file = join(tmpdir(), `cauce-bench-${randomBytes(4).toString('hex')}.csv`);
const { bad } = await writeCsv(file);
const bytes = statSync(file).size;
const database = await createTestDatabase(adminUrl, await ensureTemplateDatabase(adminUrl));
const prefix = `benchcsv${randomBytes(3).toString('hex')}`;
const pool = new pg.Pool({ connectionString: database.url, max: 2 });
const secret = randomBytes(32).toString('hex');
const common = { DATABASE_URL: database.url, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' };
const ingressPort = await freePort();
const workerPort = await freePort();
const ingress = await startApp(
  'apps/ingress/src/main.ts',
  {
    ...common,
    PORT: String(ingressPort),
    HOST: '127.0.0.1',
    JWT_SECRET: secret,
    RATE_LIMIT_ENABLED: 'false',
  },
  { readyUrl: `http://127.0.0.1:${ingressPort}/api/health`, timeoutMs: 60_000 },
);
const worker = await startApp(
  'apps/worker-staging/src/main.ts',
  { ...common, WORKER_PORT: String(workerPort), WORKER_HOST: '127.0.0.1' },
  { readyUrl: `http://127.0.0.1:${workerPort}/health`, timeoutMs: 60_000 },
);

/** (a) PostgreSQL's own COPY of the same file: the ceiling of any import. */
async function copyBaseline() {
  await pool.query('CREATE TABLE csv_copy_baseline (external_id text, name text, email text, phone text)');
  const started = performance.now();
  await promisify(execFile)('psql', [
    database.url,
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    `\\copy csv_copy_baseline (external_id, name, email, phone) FROM '${file}' WITH (FORMAT csv, HEADER true)`,
  ]);
  const seconds = (performance.now() - started) / 1000;
  const n = Number((await pool.query('SELECT count(*) AS n FROM csv_copy_baseline')).rows[0].n);
  await pool.query('DROP TABLE csv_copy_baseline');
  return { rows: n, seconds };
}

/** (b) Upload over HTTP, then wait for worker-staging to finish the run. */
async function fullPath() {
  const app = Fastify();
  await app.register(authPlugin, { secret });
  await app.ready();
  const token = mintToken(app, 'bench', 'admin');
  await app.close();
  const form = new FormData();
  form.append('file', await openAsBlob(file, { type: 'text/csv' }), 'contacts.csv');
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${ingressPort}/api/sync/csv`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const body = (await res.json()) as { runId: string };
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(body)}`);
  const uploaded = performance.now();
  for (;;) {
    const { rows } = await pool.query<{
      status: string;
      error: string | null;
      counters: Record<string, number>;
    }>('SELECT status, error, counters FROM sync_runs WHERE id = $1', [body.runId]);
    const run = rows[0];
    if (run?.status === 'succeeded') {
      const done = performance.now();
      return {
        seconds: (done - started) / 1000,
        uploadSeconds: (uploaded - started) / 1000,
        importSeconds: (done - uploaded) / 1000,
        counters: run.counters,
      };
    }
    if (run?.status === 'failed') throw new Error(`import failed: ${run.error}`);
    if (performance.now() - started > TIME_LIMIT_MS) throw new Error('import did not finish in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

try {
  const copy = await copyBaseline();
  const full = await fullPath();
  const staged = Number((await pool.query('SELECT count(*) AS n FROM csv_imports_raw')).rows[0].n);
  if (copy.rows !== ROWS) throw new Error(`COPY loaded ${copy.rows} of ${ROWS} rows`);
  if (full.counters.rows !== ROWS || staged !== ROWS - bad)
    throw new Error(`expected ${ROWS} rows (${ROWS - bad} staged), got ${full.counters.rows} (${staged})`);
  const r2 = (x: number) => Number(x.toFixed(2));
  const figures = {
    rows: ROWS,
    seconds: r2(full.seconds),
    rows_per_s: Math.round(ROWS / full.seconds),
    upload_seconds: r2(full.uploadSeconds),
    import_seconds: r2(full.importSeconds),
    import_db_wait_seconds: r2(
      Number((full.counters.timings as unknown as { dbWaitMs: number }).dbWaitMs) / 1000,
    ),
    worker_peak_rss_mb: peakOf(worker.proc.pid),
    ingress_peak_rss_mb: peakOf(ingress.proc.pid),
  };
  const baseline = { seconds: r2(copy.seconds), rows_per_s: Math.round(ROWS / copy.seconds) };
  console.log(`\nCSV import bench: ${ROWS} rows, ${(bytes / 1024 / 1024).toFixed(1)} MB, ${bad} bad rows`);
  console.table({
    'COPY (psql \\copy, baseline)': { rows: ROWS, seconds: baseline.seconds, 'rows/s': baseline.rows_per_s },
    'upload + worker-staging': {
      rows: ROWS,
      seconds: figures.seconds,
      'rows/s': figures.rows_per_s,
      'worker peak RSS MB': figures.worker_peak_rss_mb,
    },
  });
  const ratio = Number((figures.rows_per_s / baseline.rows_per_s).toFixed(3));
  console.log(
    `upload ${figures.upload_seconds} s, import ${figures.import_seconds} s (of which waiting for PostgreSQL ${figures.import_db_wait_seconds} s); ingress peak RSS ${figures.ingress_peak_rss_mb} MB; ` +
      `full path / COPY = ${ratio}. Targets: under 60 s, worker RSS under 500 MB.`,
  );
  console.log(JSON.stringify({ bench: 'csv', figures, baseline, ratio }));
} finally {
  await worker.stop('SIGTERM');
  await ingress.stop('SIGTERM');
  await pool.end();
  await database.drop();
  await rm(file, { force: true });
}
