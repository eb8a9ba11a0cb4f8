/**
 * `pnpm bench:identity`: identity resolution against ground truth. Two independently written,
 * seeded generators (bench/identity/generator-a.ts, generator-b.ts) write provider-shaped records
 * for GHL, Stripe and PayPal (served by provider-sim in its own process and staged by the real
 * syncs), ManyChat's CSV export and a contact CSV (uploaded through POST /api/sync/csv); then unify
 * runs twice. Prints pairwise precision and recall, wrong merges whose records share a placeholder
 * identifier, the share of planted conflicts (households, one email with two phones) reported,
 * missed pairs no identifier links (unlinkable_pairs: the generator asked for the impossible; it
 * must be 0, see generator-a.ts), unify seconds, and whether the second unify changed anything;
 * a table, then one JSON line.
 *
 * BENCH_IDENTITY_PEOPLE (default "2000,100000"), BENCH_IDENTITY_GENERATORS ("a,b"),
 * BENCH_IDENTITY_SEED (default 18; generator B uses seed + 1000). `--explain-misses N` prints, per
 * measurement, the first N people unify split and why (bench/identity/explain.ts).
 */
import { randomBytes } from 'node:crypto';
import { GHL_SIM_LOCATION, GHL_SIM_TOKEN } from '@cauce/provider-sim/providers/ghl';
import { PAYPAL_SIM_CREDENTIALS } from '@cauce/provider-sim/providers/paypal';
import { STRIPE_SIM_KEY } from '@cauce/provider-sim/providers/stripe';
import { parseConfig } from '@cauce/runtime';
import pg from 'pg';
import { buildIngress } from '../apps/ingress/src/app.ts';
import { ingressEnv } from '../apps/ingress/src/config.ts';
import { createDeps } from '../apps/ingress/src/deps.ts';
import { mintToken } from '../apps/ingress/src/plugins/auth.ts';
import { stagingEnv } from '../apps/worker-staging/src/config.ts';
import { startStagingWorker } from '../apps/worker-staging/src/index.ts';
import { createTestDatabase, ensureTemplateDatabase } from '../packages/testkit/src/database.ts';
import type { Dataset } from './identity/dataset.ts';
import { classifyMisses } from './identity/explain.ts';
import { generateA } from './identity/generator-a.ts';
import { generateB } from './identity/generator-b.ts';
import { adminUrl, redisUrl, startSimProcess } from './sim-process.ts';

const SIZES = (process.env.BENCH_IDENTITY_PEOPLE ?? '2000,100000').split(',').map(Number);
const GENERATORS = (process.env.BENCH_IDENTITY_GENERATORS ?? 'a,b').split(',');
const SEED = Number(process.env.BENCH_IDENTITY_SEED ?? 18);
const TIME_LIMIT_MS = 15 * 60_000;
const CHUNK = 10_000;
const explainAt = process.argv.indexOf('--explain-misses');
const EXPLAIN = explainAt < 0 ? 0 : Number(process.argv[explainAt + 1] ?? 20);

interface Scores {
  generator: string;
  people: number;
  records: number;
  clients: number;
  precision: number;
  recall: number;
  wrong_pairs: number;
  junk_wrong_merges: number;
  conflicts_reported: number;
  /** Missed pairs no chain of usable identifiers joins: a generator bug, not unify's. */
  unlinkable_pairs: number;
  unify_seconds: number;
  second_unify_changes: number;
}

async function measure(generator: string, people: number): Promise<Scores> {
  const ds: Dataset = generator === 'a' ? generateA(people, SEED) : generateB(people, SEED + 1000);
  await sim.json('POST', '/__sim/reset');
  const database = await createTestDatabase(adminUrl, await ensureTemplateDatabase(adminUrl));
  const prefix = `benchid${randomBytes(4).toString('hex')}`;
  const env = { DATABASE_URL: database.url, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' };
  const ingressConfig = parseConfig(ingressEnv, {
    ...env,
    JWT_SECRET: randomBytes(24).toString('hex'),
    PORT: '0',
    RATE_LIMIT_ENABLED: 'false',
  });
  const deps = await createDeps(ingressConfig);
  const ingress = await buildIngress(deps);
  await ingress.listen({ port: 0, host: '127.0.0.1' });
  const addr = ingress.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const token = mintToken(ingress, 'bench', 'admin');
  const worker = await startStagingWorker(
    parseConfig(stagingEnv, {
      ...env,
      WORKER_PORT: '0',
      WORKER_HOST: '127.0.0.1',
      GHL_BASE_URL: `${sim.base}/ghl`,
      GHL_TOKEN: GHL_SIM_TOKEN,
      GHL_LOCATION_ID: GHL_SIM_LOCATION,
      GHL_PAGE_SIZE: '500',
      GHL_BUDGET_MAX: '100000',
      STRIPE_BASE_URL: `${sim.base}/stripe`,
      STRIPE_SECRET_KEY: STRIPE_SIM_KEY,
      STRIPE_BUDGET_MAX: '100000',
      PAYPAL_BASE_URL: `${sim.base}/paypal`,
      PAYPAL_CLIENT_ID: PAYPAL_SIM_CREDENTIALS.clientId,
      PAYPAL_CLIENT_SECRET: PAYPAL_SIM_CREDENTIALS.clientSecret,
      PAYPAL_HISTORY_DAYS: '400',
      PAYPAL_BUDGET_MAX: '100000',
      JOB_LOCK_MS: '120000',
    }),
  );
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  const api = async (method: string, path: string, body?: FormData | string, type?: string) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}) },
      body,
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 400) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const waitRun = async (id: string) => {
    const started = performance.now();
    for (;;) {
      const r = (await pool.query('SELECT status, error, counters FROM sync_runs WHERE id = $1', [id]))
        .rows[0];
      if (r?.status === 'succeeded')
        return { seconds: (performance.now() - started) / 1000, counters: r.counters };
      if (r?.status === 'failed') throw new Error(`run ${id} failed: ${r.error}`);
      if (performance.now() - started > TIME_LIMIT_MS) throw new Error(`run ${id} did not finish`);
      await new Promise((res) => setTimeout(res, 200));
    }
  };
  try {
    for (let i = 0; i < ds.ghl.length; i += CHUNK)
      await sim.json('POST', '/__sim/ghl/contacts', { contacts: ds.ghl.slice(i, i + CHUNK) });
    for (let i = 0; i < ds.stripe.length; i += CHUNK)
      await sim.json('POST', '/__sim/stripe/objects', { customers: ds.stripe.slice(i, i + CHUNK) });
    for (let i = 0; i < ds.paypal.length; i += CHUNK)
      await sim.json('POST', '/__sim/paypal/transactions', { transactions: ds.paypal.slice(i, i + CHUNK) });
    for (const source of ['ghl', 'stripe', 'paypal']) {
      const out = (await api('POST', `/api/sync/${source}`)) as { runs: Array<{ run: { id: string } }> };
      await waitRun(out.runs[0]!.run.id);
    }
    const upload = async (csv: string, query: string) => {
      const [header, ...lines] = csv.trimEnd().split('\n');
      for (let i = 0; i < lines.length; i += CHUNK) {
        const form = new FormData();
        const part = `${header}\n${lines.slice(i, i + CHUNK).join('\n')}\n`;
        form.append('file', new Blob([part], { type: 'text/csv' }), 'export.csv');
        const out = (await api('POST', `/api/sync/csv?${query}`, form)) as { runId: string };
        await waitRun(out.runId); // worker-staging imports it after the 202
      }
    };
    await upload(ds.manychatCsv, 'target=manychat&id=id');
    await upload(ds.csv, 'target=csv&email=correo&phone=telefono&name=nombre');

    const u1 = (await api('POST', '/api/sync/unify')) as { run: { id: string } };
    const first = await waitRun(u1.run.id);
    const u2 = (await api('POST', '/api/sync/unify')) as { run: { id: string } };
    const second = (await waitRun(u2.run.id)).counters as Record<string, number | undefined>;
    const changes = ['merged', 'clientsCreated', 'clientsUpdated', 'clientsRetired', 'conflicts'].reduce(
      (n, k) => n + (second[k] ?? 0),
      0,
    );
    const misses = await classifyMisses(pool, ds, EXPLAIN);
    return {
      ...(await score(pool, ds, generator, people)),
      unlinkable_pairs: misses.unlinkable,
      unify_seconds: round(first.seconds),
      second_unify_changes: changes,
    };
  } finally {
    await pool.end();
    await worker.close();
    await ingress.close();
    await deps.close();
    await database.drop();
  }
}

const round = (x: number, d = 2) => Number(x.toFixed(d));
const pairs = (n: number) => (n * (n - 1)) / 2;

async function score(pool: pg.Pool, ds: Dataset, generator: string, people: number) {
  const rows = (
    await pool.query<{ rec: string; client: string | null; email: string | null; phone: string | null }>(
      `SELECT 'ghl:' || ghl_contact_id AS rec, client_id AS client, email, phone_e164 AS phone FROM ghl_contacts_raw
       UNION ALL SELECT 'stripe:' || stripe_customer_id, client_id, email, phone_e164 FROM stripe_customers_raw
       UNION ALL SELECT 'paypal:' || payer_id, client_id, email, phone_e164 FROM paypal_payers_raw
       UNION ALL SELECT 'manychat:' || subscriber_id, client_id, email, phone_e164 FROM manychat_contacts_raw
       UNION ALL SELECT 'csv:' || (payload->>'ref'), client_id, email, phone_e164 FROM csv_imports_raw`,
    )
  ).rows;
  const junk = new Set([...ds.junk.emails, ...ds.junk.phones]);
  const byClient = new Map<string, typeof rows>();
  const personSize = new Map<string, number>();
  const cell = new Map<string, number>();
  let missing = 0;
  rows.forEach((r, i) => {
    const person = ds.truth.get(r.rec);
    if (!person) missing++;
    personSize.set(person ?? `?${i}`, (personSize.get(person ?? `?${i}`) ?? 0) + 1);
    const client = r.client ?? `none${i}`;
    byClient.set(client, [...(byClient.get(client) ?? []), r]);
    const k = `${client}|${person}`;
    cell.set(k, (cell.get(k) ?? 0) + 1);
  });
  if (missing) throw new Error(`${missing} staged records have no ground truth`);
  if (rows.length !== ds.truth.size)
    throw new Error(`staged ${rows.length} records, generated ${ds.truth.size}`);
  let predicted = 0;
  let truePairs = 0;
  let tp = 0;
  let junkWrong = 0;
  for (const members of byClient.values()) {
    predicted += pairs(members.length);
    // Wrong pairs whose two records share a placeholder value: merges caused by junk identifiers.
    for (let i = 0; i < members.length; i++)
      for (let j = i + 1; j < members.length; j++) {
        const a = members[i]!;
        const b = members[j]!;
        if (ds.truth.get(a.rec) === ds.truth.get(b.rec)) continue;
        const shared = [a.email, a.phone].filter((v) => v && (v === b.email || v === b.phone));
        if (shared.some((v) => junk.has(v as string))) junkWrong++;
      }
  }
  for (const n of personSize.values()) truePairs += pairs(n);
  for (const n of cell.values()) tp += pairs(n);

  // Planted conflicts: a conflict row ties the two household clients / names the two-phone client.
  const clientOf = new Map(rows.map((r) => [r.rec, r.client]));
  const personClients = new Map<string, Set<string>>();
  for (const [rec, person] of ds.truth) {
    const c = clientOf.get(rec);
    if (c) personClients.set(person, (personClients.get(person) ?? new Set()).add(c));
  }
  const conflicts = (
    await pool.query<{ client_id: string; field: string; rec: string }>(
      `SELECT client_id, field, incoming_source || ':' || CASE WHEN incoming_source = 'csv'
              THEN (SELECT payload->>'ref' FROM csv_imports_raw c WHERE c.import_id || ':' || c.row_number = incoming_source_id)
              ELSE incoming_source_id END AS rec FROM merge_conflicts`,
    )
  ).rows;
  const links = new Set(conflicts.map((c) => `${c.client_id}|${clientOf.get(c.rec)}`));
  const phoneConflicts = new Set(conflicts.filter((c) => c.field === 'phone_e164').map((c) => c.client_id));
  // A plant counts when the staged records realise it: the two people both show the shared phone
  // (with their emails), or the person shows two phones next to the email.
  const recsOf = new Map<string, typeof rows>();
  for (const r of rows) {
    const p = ds.truth.get(r.rec) as string;
    recsOf.set(p, [...(recsOf.get(p) ?? []), r]);
  }
  const real = (v: string | null) => v !== null && !junk.has(v);
  const phonesWithEmail = (p: string) =>
    new Set((recsOf.get(p) ?? []).filter((r) => real(r.email) && real(r.phone)).map((r) => r.phone));
  let planted = 0;
  let reported = 0;
  for (const [a, b] of ds.households) {
    const pb = phonesWithEmail(b);
    if (![...phonesWithEmail(a)].some((x) => pb.has(x))) continue;
    planted++;
    const ca = [...(personClients.get(a) ?? [])];
    const cb = [...(personClients.get(b) ?? [])];
    if (ca.some((x) => cb.some((y) => links.has(`${x}|${y}`) || links.has(`${y}|${x}`)))) reported++;
  }
  for (const p of ds.twoPhones) {
    if (phonesWithEmail(p).size < 2) continue;
    planted++;
    if ([...(personClients.get(p) ?? [])].some((c) => phoneConflicts.has(c))) reported++;
  }
  return {
    generator,
    people,
    records: rows.length,
    clients: Number(
      (await pool.query('SELECT count(*) AS n FROM clients WHERE retired_at IS NULL')).rows[0].n,
    ),
    precision: round(predicted ? tp / predicted : 1, 6),
    recall: round(truePairs ? tp / truePairs : 1, 6),
    wrong_pairs: predicted - tp,
    junk_wrong_merges: junkWrong,
    conflicts_reported: round(planted ? reported / planted : 1, 4),
  };
}

// One simulator for every measurement (reset between them).
const sim = await startSimProcess({ LOG_LEVEL: 'silent' });
const results: Scores[] = [];
for (const people of SIZES)
  for (const g of GENERATORS) {
    results.push(await measure(g, people));
    console.log(JSON.stringify(results.at(-1)));
  }
await sim.app.stop();
console.table(results);
const figures: Record<string, number> = {};
for (const r of results) {
  const k = `${r.generator}_${r.people}`;
  figures[`precision_${k}`] = r.precision;
  figures[`recall_${k}`] = r.recall;
  figures[`junk_merges_${k}`] = r.junk_wrong_merges;
  figures[`conflicts_reported_${k}`] = r.conflicts_reported;
  figures[`unlinkable_pairs_${k}`] = r.unlinkable_pairs;
  figures[`unify_seconds_${k}`] = r.unify_seconds;
  figures[`second_unify_changes_${k}`] = r.second_unify_changes;
}
console.log(JSON.stringify({ bench: 'identity', figures }));
process.exit(0);
