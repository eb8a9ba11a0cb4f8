/**
 * `pnpm bench:stock`: one scheduled SIIGO sync over 5,000 simulated products (provider-sim in
 * its own process, zero latency, the 200 ms pacing disabled), against local PostgreSQL and Redis.
 * Prints the run times and the share spent in our code versus waiting on HTTP; the baseline is
 * the same paging over HTTP with no comparison or writes.
 */
import { randomBytes } from 'node:crypto';
import { createDb } from '@cauce/db';
import { SIIGO_SIM_CREDENTIALS } from '@cauce/provider-sim/providers/siigo';
import { createLogger, createRedis, createRegistry, parseConfig } from '@cauce/runtime';
import { stockEnv } from '../apps/worker-stock/src/config.ts';
import { createStockService } from '../apps/worker-stock/src/service.ts';
import { runScheduledSync } from '../apps/worker-stock/src/sync.ts';
import { createTestDatabase, ensureTemplateDatabase } from '../packages/testkit/src/database.ts';
import { deleteRedisPrefix } from '../packages/testkit/src/redis-prefix.ts';
import { adminUrl, redisUrl, startSimProcess } from './sim-process.ts';

const PRODUCTS = 5_000;
const CHANGED = 250;

const { app: sim, base: simBase, json: simJson } = await startSimProcess();
const control = (path: string, body: unknown) => simJson('POST', path, body);

const database = await createTestDatabase(adminUrl, await ensureTemplateDatabase(adminUrl));
const prefix = `bench${randomBytes(4).toString('hex')}`;
const config = parseConfig(stockEnv, {
  DATABASE_URL: database.url,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: prefix,
  SIIGO_BASE_URL: `${simBase}/siigo`,
  SIIGO_USERNAME: SIIGO_SIM_CREDENTIALS.username,
  SIIGO_ACCESS_KEY: SIIGO_SIM_CREDENTIALS.accessKey,
  SIIGO_BUDGET_MAX: '100000',
  SIIGO_PAGE_SIZE: '50',
});
const db = createDb(database.url);
const redis = createRedis(redisUrl);
const registry = createRegistry('bench-stock');
const service = createStockService({ config, db, redis, log: createLogger('bench-stock', 'warn'), registry });

/** Seconds spent waiting on SIIGO responses so far (the client's duration histogram). */
async function httpSeconds(): Promise<number> {
  const m = (await registry.getSingleMetric('siigo_api_call_duration_seconds')?.get()) as
    | { values: Array<{ metricName?: string; value: number }> }
    | undefined;
  return (m?.values ?? []).filter((v) => v.metricName?.endsWith('_sum')).reduce((a, v) => a + v.value, 0);
}

async function measure(label: string) {
  const http0 = await httpSeconds();
  const t0 = performance.now();
  const res = await runScheduledSync(service, 'bench');
  const total = (performance.now() - t0) / 1000;
  if (res.outcome !== 'succeeded') throw new Error(`${label}: ${JSON.stringify(res)}`);
  // Requests overlap our work (the next page is fetched while one is written), so "waiting on
  // HTTP" is the time the run was blocked on a response; the raw response time is shown too.
  const wait = res.httpWaitMs / 1000;
  const apply = res.applyMs / 1000;
  return {
    label,
    total,
    wait,
    apply,
    http: (await httpSeconds()) - http0,
    ours: total - wait,
    counters: res.counters,
  };
}

try {
  await control('/__sim/siigo/products', { count: PRODUCTS });
  const cold = await measure('first run (creates 5,000)');
  const steady = await measure('no changes');
  const { products } = (await (await fetch(`${simBase}/__sim/siigo/products`)).json()) as {
    products: Array<{ id: string }>;
  };
  for (let i = 0; i < CHANGED; i++)
    await control(`/__sim/siigo/products/${products[i * 20]!.id}/stock`, { quantity: 1000 + i });
  const changed = await measure(`${CHANGED} changed`);

  // Baseline: the same pages over HTTP, nothing compared or written.
  const b0 = performance.now();
  for await (const _page of service.client.productPages(config.SIIGO_PAGE_SIZE)) {
    // only the HTTP
  }
  const baseline = (performance.now() - b0) / 1000;
  if (changed.counters.stockChanged !== CHANGED)
    throw new Error(`expected ${CHANGED} changes, saw ${changed.counters.stockChanged}`);

  const rows = [cold, steady, changed];
  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
  console.log(
    `\nSIIGO scheduled sync, ${PRODUCTS} products, pages of ${config.SIIGO_PAGE_SIZE}, pacing off, 0 ms latency\n`,
  );
  console.log(
    'run                         total s   blocked on HTTP s   our code s   our share   of which DB compare+write s   HTTP response s',
  );
  for (const r of rows)
    console.log(
      [
        r.label.padEnd(27),
        r.total.toFixed(3).padStart(7),
        r.wait.toFixed(3).padStart(17),
        r.ours.toFixed(3).padStart(10),
        pct(r.ours, r.total).padStart(9),
        r.apply.toFixed(3).padStart(26),
        r.http.toFixed(3).padStart(15),
      ].join('   '),
    );
  console.log(`${'baseline: paging only'.padEnd(27)} ${baseline.toFixed(3).padStart(7)}`);
  console.log(
    `\nWith the default 200 ms pacing the ${PRODUCTS / config.SIIGO_PAGE_SIZE} requests alone take at least ${(
      (PRODUCTS / config.SIIGO_PAGE_SIZE) * 0.2
    ).toFixed(0)} s.`,
  );
  console.log(
    JSON.stringify({
      bench: 'stock',
      figures: {
        products: PRODUCTS,
        first_run_s: round(cold.total),
        steady_run_s: round(steady.total),
        changed_run_s: round(changed.total),
        changed_run_http_wait_s: round(changed.wait),
        changed_run_our_code_share: round(changed.ours / changed.total),
        changed_run_db_s: round(changed.apply),
        steady_run_our_code_share: round(steady.ours / steady.total),
      },
      baseline: { paging_only_s: round(baseline) },
      ratio: round(changed.total / baseline),
    }),
  );
} finally {
  await service.close();
  await db.$disconnect();
  redis.disconnect();
  await deleteRedisPrefix(redisUrl, prefix);
  await database.drop();
  await sim.stop();
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
