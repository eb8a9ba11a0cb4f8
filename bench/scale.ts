/**
 * `pnpm bench:scale`: N replicas behave as one. Two ingress processes behind a round-robin proxy
 * and BENCH_SCALE_REPLICAS (3) replicas of the workers that call rate-limited providers, against
 * provider-sim enforcing each provider's limits (429 + Retry-After beyond them). At once: a GHL
 * and a Stripe staging sync, the SIIGO stock sync on its job scheduler, and a burst of 1,500
 * Beds24 webhooks over 500 bookings through the proxy. Then the same with one replica of each, in
 * the same run. Figures: each provider's use of its budget while it had work (target >= 90%,
 * 0 answers 429; `usage` below says how it is measured), scheduler fires against intervals, lost
 * and duplicated events, peak PostgreSQL connections, and the Beds24 burst's drain time beside the
 * minimum its credit budget allows.
 *
 * Limits are the published ones where a run can show them in seconds (GHL 100 / 10 s, Stripe
 * test mode 25/s); SIIGO and Beds24 windows are scaled down (env below) so a window passes
 * several times in a short run. Every size is an env variable (BENCH_SCALE_*).
 */
import { randomBytes } from 'node:crypto';
import { simControl } from '@cauce/provider-sim/control';
import { simEnv } from '@cauce/provider-sim/sim-env';
import { deliver } from '@cauce/provider-sim/traffic/deliver';
import { createSenderAuth } from '@cauce/provider-sim/traffic/senders';
import { Traffic } from '@cauce/provider-sim/traffic/traffic';
import { JOBS, Producer, QUEUES } from '@cauce/queues';
import { createRedis } from '@cauce/runtime';
import pg from 'pg';
import { createTestDatabase, ensureTemplateDatabase } from '../packages/testkit/src/database.ts';
import { freePort } from '../packages/testkit/src/process.ts';
import { startRoundRobinProxy } from './scale/proxy.ts';
import { adminUrl, redisUrl } from './sim-process.ts';
import { check } from './soak/check.ts';
import { Stack, waitHttp } from './soak/stack.ts';

const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const REPLICAS = num('BENCH_SCALE_REPLICAS', 3);
const WORKERS = (process.env.BENCH_SCALE_WORKERS ?? 'worker-bookings,worker-staging,worker-stock').split(',');
const INGRESSES = num('BENCH_SCALE_INGRESSES', 2);
const GHL_CONTACTS = num('BENCH_SCALE_GHL_CONTACTS', 2_500);
const STRIPE_CUSTOMERS = num('BENCH_SCALE_STRIPE_CUSTOMERS', 2_000);
const PAGE_SIZE = num('BENCH_SCALE_PAGE_SIZE', 10);
const BOOKINGS = num('BENCH_SCALE_BOOKINGS', 500);
const WEBHOOKS = num('BENCH_SCALE_WEBHOOKS', 1_500);
const SEND_CONCURRENCY = num('BENCH_SCALE_SEND_CONCURRENCY', 50);
const PRODUCTS = num('BENCH_SCALE_PRODUCTS', 100);
const SIIGO_PAGE_SIZE = num('BENCH_SCALE_SIIGO_PAGE_SIZE', 5);
const SIIGO_INTERVAL_MS = num('BENCH_SCALE_SIIGO_INTERVAL_MS', 15_000);
/** The shortest stretch the scheduler is watched, so several intervals pass. */
const MIN_RUN_MS = num('BENCH_SCALE_MIN_RUN_MS', 30_000);

/** The limits provider-sim enforces, and the budgets the workers get (the same figures). */
const LIMITS = {
  ghl: {
    route: '^\\S+ /ghl/',
    limit: num('BENCH_SCALE_GHL_MAX', 100),
    windowMs: num('BENCH_SCALE_GHL_WINDOW_MS', 10_000),
  },
  stripe: { route: '^\\S+ /stripe/', limit: num('BENCH_SCALE_STRIPE_MAX', 25), windowMs: 1_000 },
  siigo: {
    route: '^\\S+ /siigo/',
    limit: num('BENCH_SCALE_SIIGO_MAX', 10),
    windowMs: num('BENCH_SCALE_SIIGO_WINDOW_MS', 5_000),
  },
  beds24: {
    route: '^\\S+ /beds24/',
    limit: num('BENCH_SCALE_BEDS24_CREDITS', 10),
    windowMs: num('BENCH_SCALE_BEDS24_WINDOW_MS', 5_000),
  },
};
const BEDS24_COST = 1.6; // provider-sim's default cost of a request, as observed on Beds24
const log = (s: string) => console.log(`[scale ${new Date().toISOString().slice(11, 19)}] ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SimStats {
  admitted: number;
  rejected: number;
  units: number;
  peakInWindow: number;
  firstAt: number;
  lastAt: number;
  /** [arrival ms, units] of every admitted request. */
  arrivals: Array<[number, number]>;
}

/** When a provider had work waiting: a sync run from start to end, the Beds24 burst until drained. */
type Stretch = [number, number];

/** One configuration: `replicas` of each worker, the workload, the figures. */
async function runScale(replicas: number) {
  const database = await createTestDatabase(adminUrl, await ensureTemplateDatabase(adminUrl));
  const prefix = `{bscale${randomBytes(3).toString('hex')}}`;
  const dbName = new URL(database.url).pathname.slice(1);
  const simPort = await freePort();
  const simBase = `http://127.0.0.1:${simPort}`;
  const auth = createSenderAuth(simBase);
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: process.env.BENCH_SCALE_LOG_LEVEL ?? 'warn',
    JWT_SECRET: randomBytes(32).toString('hex'),
    ...simEnv(simBase),
    ...auth.env,
    GHL_PAGE_SIZE: String(PAGE_SIZE),
    STRIPE_PAGE_SIZE: String(PAGE_SIZE),
    GHL_BUDGET_MAX: String(LIMITS.ghl.limit),
    GHL_BUDGET_WINDOW_MS: String(LIMITS.ghl.windowMs),
    STRIPE_BUDGET_MAX: String(LIMITS.stripe.limit),
    SIIGO_BUDGET_MAX: String(LIMITS.siigo.limit),
    SIIGO_BUDGET_WINDOW_MS: String(LIMITS.siigo.windowMs),
    SIIGO_PAGE_SIZE: String(SIIGO_PAGE_SIZE),
    SIIGO_SYNC_INTERVAL_MS: String(SIIGO_INTERVAL_MS),
    // The webhook re-fetch limiter would share SIIGO's budget; no SIIGO webhooks are sent here.
    BEDS24_CREDIT_BUDGET: String(LIMITS.beds24.limit),
    BEDS24_CREDIT_WINDOW_MS: String(LIMITS.beds24.windowMs),
    BEDS24_CREDITS_PER_CALL: String(BEDS24_COST),
    BEDS24_CREDIT_FLOOR: '0',
    // A budget wait longer than this hands the job back to the queue (a pause, no attempt spent).
    BEDS24_MAX_WAIT_MS: String(LIMITS.beds24.windowMs * 2),
    JOB_LOCK_MS: '60000',
  };
  const stack = new Stack(env);
  // Interrupted (Ctrl-C, a timeout): stop the apps this run started before leaving.
  const interrupted = () => void stack.stopAll().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const pgClient = new pg.Client(adminUrl);
  await pgClient.connect();
  const redis = createRedis(redisUrl);
  let proxy: Awaited<ReturnType<typeof startRoundRobinProxy>> | undefined;
  let peakConnections = 0;
  let sampling = false;
  const sampler = setInterval(() => {
    if (sampling) return; // one query at a time on this client
    sampling = true;
    pgClient
      .query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [dbName])
      .then((r) => {
        peakConnections = Math.max(peakConnections, Number(r.rows[0]!.n));
      })
      .catch(() => {})
      .finally(() => {
        sampling = false;
      });
  }, 250);
  try {
    stack.start('provider-sim', 'apps/provider-sim/src/main.ts', { SIM_PORT: String(simPort) });
    await waitHttp(`${simBase}/__sim/health`, 180_000);
    // Seed first (Traffic.seed lifts Beds24's pool), then the limits, which set the pool again.
    const { bookingIds, productIds } = await Traffic.seed(simBase, BOOKINGS, PRODUCTS);
    await simControl(simBase, 'POST', '/__sim/ghl/contacts', { count: GHL_CONTACTS });
    await simControl(simBase, 'POST', '/__sim/stripe/objects', {
      customers: Array.from({ length: STRIPE_CUSTOMERS }, (_, i) => ({
        id: `cus_scale${i}`,
        email: `cliente${i}@example.com`,
        name: `Cliente ${i} Núñez`,
      })),
    });
    await simControl(simBase, 'PUT', '/__sim/limits', LIMITS);
    const burst = await prepareBurst(simBase, bookingIds);

    const ingressUrls: string[] = [];
    for (let i = 0; i < INGRESSES; i++) {
      const port = await freePort();
      stack.start(`ingress-${i}`, 'apps/ingress/src/main.ts', { PORT: String(port), HOST: '127.0.0.1' });
      ingressUrls.push(`http://127.0.0.1:${port}`);
    }
    const health: Array<[string, string]> = ingressUrls.map((u, i) => [`ingress-${i}`, `${u}/api/ready`]);
    for (const w of WORKERS)
      for (let r = 0; r < replicas; r++) {
        const port = await freePort();
        stack.start(`${w}-${r}`, `apps/${w}/src/main.ts`, {
          WORKER_PORT: String(port),
          WORKER_HOST: '127.0.0.1',
        });
        health.push([`${w}-${r}`, `http://127.0.0.1:${port}/health`]);
      }
    for (const [name, url] of health)
      await waitHttp(url, 400_000).catch((err) => {
        throw new Error(`${name}: ${(err as Error).message}\n${stack.tail(name, 15).join('\n')}`);
      });
    proxy = await startRoundRobinProxy(ingressUrls);
    log(`${replicas} replica(s) of ${WORKERS.join(', ')} and ${INGRESSES} ingress processes up`);

    const t0 = Date.now();
    // Staging syncs, as the admin API starts them: a sync_runs row, then its job.
    const db = new pg.Pool({ connectionString: database.url, max: 2 });
    const producer = new Producer(redis, prefix);
    const runs: Record<string, string> = {};
    for (const [source, queue] of [
      ['ghl', QUEUES.stagingGhl],
      ['stripe', QUEUES.stagingStripe],
    ] as const) {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO sync_runs (source, kind, status) VALUES ($1, 'sync', 'queued') RETURNING id`,
        [source],
      );
      runs[source] = String(rows[0]!.id);
      await producer.add(queue, JOBS.stagingSync, { runId: runs[source], source });
    }

    // The Beds24 burst through the proxy: WEBHOOKS deliveries over BOOKINGS bookings.
    const traffic = new Traffic(
      {
        ingress: proxy.url,
        sim: simBase,
        beds24Token: auth.beds24Token,
        siigoPath: auth.siigoPath,
        ordersApiKey: auth.ordersApiKey,
      },
      bookingIds,
      productIds,
    );
    const burstStart = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: SEND_CONCURRENCY }, async () => {
        while (next < burst.length) {
          const { id, body } = burst[next++]!;
          traffic.touchedBookings.add(id);
          traffic.deliveries.push(
            await deliver('beds24', `${proxy!.url}/api/webhooks/beds24`, body, {
              authorization: `Bearer ${auth.beds24Token}`,
            }),
          );
        }
      }),
    );
    const sentAt = Date.now();
    const accepted = traffic.deliveries.filter((d) => d.status >= 200 && d.status < 300).length;
    log(
      `${accepted} of ${WEBHOOKS} Beds24 webhooks accepted in ${((sentAt - burstStart) / 1000).toFixed(1)} s`,
    );
    let burstDoneAt = 0;
    const deadline = Date.now() + 240_000;
    for (;;) {
      const { rows } = await db.query<{ done: string; runs: string }>(
        `SELECT
           (SELECT count(*) FROM webhook_events WHERE provider = 'beds24' AND status IN ('processed', 'ignored')) AS done,
           (SELECT count(*) FROM sync_runs WHERE id = ANY($1::bigint[]) AND status IN ('succeeded', 'failed')) AS runs`,
        [Object.values(runs)],
      );
      if (!burstDoneAt && Number(rows[0]!.done) >= accepted) burstDoneAt = Date.now();
      const syncsDone = Number(rows[0]!.runs) === Object.keys(runs).length;
      if (burstDoneAt && syncsDone && Date.now() - t0 >= MIN_RUN_MS) break;
      if (Date.now() > deadline) throw new Error('the workload did not finish within 4 minutes');
      await sleep(250);
    }
    const t1 = Date.now();

    const { stats } = await simControl<{ stats: Record<string, SimStats> }>(simBase, 'GET', '/__sim/limits');
    const { rows: runRows } = await db.query<{ source: string; status: string }>(
      'SELECT source, status FROM sync_runs WHERE id = ANY($1::bigint[])',
      [Object.values(runs)],
    );
    // Each provider's stretches of work: its sync runs (SIIGO: every scheduled run), the burst.
    const { rows: stretchRows } = await db.query<{ source: string; from_ms: string; to_ms: string }>(
      `SELECT source, (extract(epoch FROM started_at) * 1000)::bigint AS from_ms,
              (extract(epoch FROM coalesce(finished_at, now())) * 1000)::bigint AS to_ms
         FROM sync_runs WHERE source IN ('ghl', 'stripe', 'siigo_stock')`,
    );
    const stretches: Record<keyof typeof LIMITS, Stretch[]> = {
      ghl: [],
      stripe: [],
      siigo: [],
      beds24: [[burstStart, burstDoneAt]],
    };
    for (const r of stretchRows)
      stretches[r.source === 'siigo_stock' ? 'siigo' : (r.source as 'ghl' | 'stripe')].push([
        Number(r.from_ms),
        Number(r.to_ms),
      ]);
    const schedule = await scheduleFires(redis, prefix, t0, t1);
    const result = await check(database.url, traffic);
    await producer.close();
    await db.end();
    const maxConnections = Number(
      (await pgClient.query<{ max_connections: string }>('SHOW max_connections')).rows[0]!.max_connections,
    );
    const fetchesNeeded = Math.ceil(BOOKINGS / 100) * 2; // batches of 100 ids, bookings + messages
    const creditsNeeded = fetchesNeeded * BEDS24_COST;
    const minBurstS =
      Math.max(0, Math.ceil(creditsNeeded / LIMITS.beds24.limit) - 1) * (LIMITS.beds24.windowMs / 1000);
    return {
      replicas,
      seconds: (t1 - t0) / 1000,
      providers: Object.fromEntries(
        (Object.keys(LIMITS) as Array<keyof typeof LIMITS>).map((p) => [
          p,
          usage(stats[p], LIMITS[p], stretches[p]),
        ]),
      ),
      syncs: Object.fromEntries(runRows.map((r) => [r.source, r.status])),
      schedule,
      lost: result.lost,
      duplicated: result.duplicates,
      unfinished: result.unfinished,
      wrongBookings: result.wrongBookings,
      webhooksAccepted: accepted,
      ingressShare: proxy.served(),
      peakConnections,
      maxConnections,
      burstSeconds: (burstDoneAt - burstStart) / 1000,
      burstMinSeconds: minBurstS,
      burstCreditsMin: creditsNeeded,
      beds24Credits: stats.beds24?.units ?? 0,
    };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    clearInterval(sampler);
    await proxy?.close();
    await stack.stopAll();
    redis.disconnect();
    await pgClient.end();
    await database.drop().catch(() => {});
  }
}

/**
 * The burst's bodies, made before anything runs so that sending is only sending: WEBHOOKS
 * changes, round robin over the bookings (each change bumps the booking's modifiedTime, so every
 * body is a distinct event), each with the body Beds24 would send after it.
 */
async function prepareBurst(simBase: string, bookingIds: number[]) {
  const burst: Array<{ id: number; body: string }> = [];
  for (let round = 0; round * bookingIds.length < WEBHOOKS; round++) {
    const ids = bookingIds.slice(0, Math.min(bookingIds.length, WEBHOOKS - round * bookingIds.length));
    let k = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (k < ids.length) {
          const id = ids[k++]!;
          await simControl(simBase, 'PATCH', `/__sim/beds24/bookings/${id}`, {
            numAdult: 1 + ((round + id) % 4),
            notes: `ráfaga ${round} — ñandú`,
          });
          burst.push({
            id,
            body: JSON.stringify(await simControl(simBase, 'GET', `/__sim/beds24/webhook-body/${id}`)),
          });
        }
      }),
    );
  }
  return burst;
}

/**
 * A provider's use of its budget, two ways.
 *
 * `percent` (the figure): how close the work came to the fastest the budget allows. Within each
 * stretch of work (a sync run, the burst) that needed more than one window, N units can at best go
 * `limit` at a time, one window apart: the last leaves (ceil(N / limit) - 1) windows after the
 * first. That minimum over the time the stretch really took from its first call to its last.
 * 100% means the work went as fast as the provider allows; idle time between scheduled runs does
 * not count, a sequential page loop that cannot fill a window does.
 *
 * `perS` (the older figure, kept for comparison): (units - limit) over the time from the first to
 * the last call of the whole run. It credits the first window's burst but not a last, partly
 * used window, and counts the gaps between scheduled runs: with 251 GHL calls against 100 per
 * 10 s even a perfect sync scores 75% on it.
 */
function usage(s: SimStats | undefined, rule: { limit: number; windowMs: number }, stretches: Stretch[]) {
  const allowedPerS = rule.limit / (rule.windowMs / 1000);
  if (!s)
    return {
      calls: 0,
      units: 0,
      rejected429: 0,
      perS: null,
      allowedPerS,
      ratePercent: null,
      percent: null,
      peak: 0,
    };
  const span = (s.lastAt - s.firstAt) / 1000;
  const perS = s.units > rule.limit && span > 0 ? (s.units - rule.limit) / span : null;
  let minimumMs = 0;
  let takenMs = 0;
  for (const [from, to] of stretches) {
    const inside = s.arrivals.filter(([at]) => at >= from && at <= to);
    const units = inside.reduce((a, [, u]) => a + u, 0);
    if (units <= rule.limit || inside.length < 2) continue; // fits one window: the budget never bound
    minimumMs += (Math.ceil(units / rule.limit - 1e-9) - 1) * rule.windowMs;
    takenMs += inside.at(-1)![0] - inside[0]![0];
  }
  return {
    calls: s.admitted,
    units: Number(s.units.toFixed(1)),
    rejected429: s.rejected,
    perS: perS === null ? null : Number(perS.toFixed(2)),
    allowedPerS: Number(allowedPerS.toFixed(2)),
    ratePercent: perS === null ? null : Math.round((100 * perS) / allowedPerS),
    percent: takenMs > 0 ? Math.round((100 * minimumMs) / takenMs) : null,
    peak: Number(s.peakInWindow.toFixed(1)),
  };
}

/**
 * The SIIGO sync scheduler's fires between t0 and t1, read from its queue: a job scheduler's job
 * ids carry the slot they fired for, so a slot fired twice (two replicas) or skipped shows.
 */
async function scheduleFires(redis: ReturnType<typeof createRedis>, prefix: string, t0: number, t1: number) {
  const ids: string[] = [];
  for (const state of ['completed', 'failed'])
    ids.push(...(await redis.zrange(`${prefix}:${QUEUES.siigoSync}:${state}`, 0, -1)));
  for (const state of ['active', 'wait'])
    ids.push(...(await redis.lrange(`${prefix}:${QUEUES.siigoSync}:${state}`, 0, -1)));
  const slots = ids
    .filter((id) => id.startsWith('repeat:'))
    .map((id) => Number(id.split(':').at(-1)))
    .filter((t) => t >= t0 && t <= t1)
    .sort((a, b) => a - b);
  const unique = [...new Set(slots)];
  let missed = 0;
  for (let i = 1; i < unique.length; i++)
    missed += Math.round((unique[i]! - unique[i - 1]!) / SIIGO_INTERVAL_MS) - 1;
  return {
    fires: slots.length,
    duplicated: slots.length - unique.length,
    missed,
    intervals: Math.floor((t1 - t0) / SIIGO_INTERVAL_MS),
  };
}

const scaled = await runScale(REPLICAS);
const single = await runScale(1);

for (const r of [scaled, single]) {
  console.log(
    `\n${r.replicas} replica(s), ${INGRESSES} ingress behind the proxy (served ${r.ingressShare.join(' / ')}), ${r.seconds.toFixed(0)} s`,
  );
  console.table(
    Object.fromEntries(
      Object.entries(r.providers).map(([p, u]) => [
        p,
        {
          'calls (credits)': p === 'beds24' ? `${u.calls} (${u.units})` : u.calls,
          'per s': u.perS ?? 'one window',
          'allowed per s': u.allowedPerS,
          '% (older rate figure)': u.ratePercent ?? '',
          '% of budget': u.percent ?? '',
          'peak in a window': u.peak,
          '429s': u.rejected429,
        },
      ]),
    ),
  );
  console.log(
    `syncs ${JSON.stringify(r.syncs)}; SIIGO scheduler: ${r.schedule.fires} fires over ${r.schedule.intervals} intervals, ${r.schedule.duplicated} duplicated, ${r.schedule.missed} missed`,
  );
  console.log(
    `Beds24 burst: ${r.webhooksAccepted} webhooks over ${BOOKINGS} bookings drained in ${r.burstSeconds.toFixed(1)} s (credit budget minimum ${r.burstMinSeconds} s for ${r.burstCreditsMin.toFixed(1)} credits; spent ${r.beds24Credits.toFixed(1)})`,
  );
  console.log(
    `events: ${r.lost} lost, ${r.duplicated} duplicated, ${r.unfinished} unfinished, ${r.wrongBookings} bookings differing from Beds24; peak PostgreSQL connections ${r.peakConnections} of max_connections ${r.maxConnections}`,
  );
}
const pct = (r: typeof scaled, p: string) => r.providers[p]?.percent ?? null;
const figures = {
  replicas: REPLICAS,
  ghl_percent_of_budget: pct(scaled, 'ghl'),
  stripe_percent_of_budget: pct(scaled, 'stripe'),
  siigo_percent_of_budget: pct(scaled, 'siigo'),
  beds24_percent_of_budget: pct(scaled, 'beds24'),
  provider_429s: Object.values(scaled.providers).reduce((a, u) => a + u.rejected429, 0),
  older_rate_percent: Object.fromEntries(
    Object.entries(scaled.providers).map(([p, u]) => [p, u.ratePercent]),
  ),
  schedule_duplicated: scaled.schedule.duplicated,
  schedule_missed: scaled.schedule.missed,
  lost: scaled.lost,
  duplicated: scaled.duplicated,
  peak_pg_connections: scaled.peakConnections,
  beds24_burst_s: Number(scaled.burstSeconds.toFixed(1)),
  beds24_burst_min_s: scaled.burstMinSeconds,
};
const baseline = {
  ghl_percent_of_budget: pct(single, 'ghl'),
  stripe_percent_of_budget: pct(single, 'stripe'),
  siigo_percent_of_budget: pct(single, 'siigo'),
  beds24_percent_of_budget: pct(single, 'beds24'),
  provider_429s: Object.values(single.providers).reduce((a, u) => a + u.rejected429, 0),
  lost: single.lost,
  duplicated: single.duplicated,
  peak_pg_connections: single.peakConnections,
  beds24_burst_s: Number(single.burstSeconds.toFixed(1)),
};
console.log(
  JSON.stringify({
    bench: 'scale',
    figures,
    baseline,
    ratio: baseline.beds24_burst_s
      ? Number((figures.beds24_burst_s / baseline.beds24_burst_s).toFixed(2))
      : null,
  }),
);
if (figures.provider_429s || figures.lost || figures.duplicated || baseline.lost || baseline.duplicated)
  process.exitCode = 1;
