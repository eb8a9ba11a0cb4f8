import type { Logger } from '@cauce/runtime';
import pg from 'pg';
import type { StagingConfig } from './config.ts';

/**
 * Unify: raw tables -> clients, set-based (a handful of statements per wave, never a call per
 * contact). Identity priority: stripe_customer_id -> email -> phone_e164 -> ghl_contact_id ->
 * manychat_subscriber_id. Contradictions go to merge_conflicts; nothing is overwritten.
 *
 * Each wave: (1) match pending rows to existing clients by the first key that hits; (2) fill the
 * matched clients' empty keys (never a value another client holds); (3) record conflicts where
 * a row disagrees with its client; (4) seed new clients from "leader" rows: the lowest-ranked
 * pending row for every key it carries, so two new rows sharing any key never make two clients.
 * Rows that were not leaders match their leader's client in the next wave.
 */

const UNIFY_LOCK = 720_774_001;

/** Raw sources in seeding order (a Stripe customer seeds before a GHL contact, etc.). */
const SOURCES = [
  {
    src: 'stripe',
    table: 'stripe_customers_raw',
    select: `stripe_customer_id, stripe_customer_id, email, phone_e164, NULL, NULL, name`,
  },
  {
    src: 'ghl',
    table: 'ghl_contacts_raw',
    select: `ghl_contact_id, NULL, email, phone_e164, ghl_contact_id, NULL, name`,
  },
  {
    src: 'manychat',
    table: 'manychat_contacts_raw',
    select: `subscriber_id, NULL, email, phone_e164, NULL, subscriber_id, name`,
  },
  {
    src: 'csv',
    table: 'csv_imports_raw',
    select: `import_id || ':' || row_number, NULL, email, phone_e164, NULL, NULL, name`,
  },
] as const;

/** Client key columns and the work-table columns that feed them (constants, never input). */
const KEYS = [
  { client: 'stripe_customer_id', work: 'stripe_id', source: null },
  { client: 'email', work: 'email', source: 'email_source' },
  { client: 'phone_e164', work: 'phone', source: 'phone_source' },
  { client: 'ghl_contact_id', work: 'ghl_id', source: null },
  { client: 'manychat_subscriber_id', work: 'mc_id', source: null },
] as const;

const PENDING = `(merged_at IS NULL OR fetched_at > merged_at)`;

export interface UnifyCounters {
  phase: string;
  pendingRows: number;
  merged: number;
  clientsCreated: number;
  clientsUpdated: number;
  conflicts: number;
  waves: number;
  unkeyed: number;
  linkedPayments: number;
  blocked: Array<{ kind: string; value: string; reason: string; seen: number }>;
  /** Milliseconds per step (summed over waves): where a slow run spends its time. */
  timings: Record<string, number>;
}

async function progress(pool: pg.Pool, runId: string, c: UnifyCounters) {
  await pool.query(
    `UPDATE sync_runs SET counters = $2::jsonb, processed = $3, total = $4, updated_at = now() WHERE id = $1`,
    [runId, JSON.stringify(c), c.merged, c.pendingRows],
  );
}

export async function runUnify(pool: pg.Pool, config: StagingConfig, runId: string, log: Logger) {
  const started = await pool.query(
    `UPDATE sync_runs SET status = 'running', error = NULL, updated_at = now()
      WHERE id = $1 AND status IN ('queued', 'running', 'failed') RETURNING id`,
    [runId],
  );
  if (started.rowCount === 0) return null;
  // Its own session: temp_buffers can only be set before the session's first temp table, and
  // the big sorts and hash joins of a full unify should not spill to disk.
  const c = new pg.Client({ connectionString: config.DATABASE_URL });
  await c.connect();
  const counters: UnifyCounters = {
    phase: 'reading',
    pendingRows: 0,
    merged: 0,
    clientsCreated: 0,
    clientsUpdated: 0,
    conflicts: 0,
    waves: 0,
    unkeyed: 0,
    linkedPayments: 0,
    blocked: [],
    timings: {},
  };
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      counters.timings[step] = Math.round((counters.timings[step] ?? 0) + performance.now() - t0);
    }
  };
  try {
    // One unify at a time (a second waits); the lock dies with the session if we are killed.
    const mem = `${config.UNIFY_WORK_MEM_MB}MB`;
    await c.query(`SELECT set_config('temp_buffers', $1, false), set_config('work_mem', $1, false)`, [mem]);
    // Each statement's effects are re-derived from the raw rows if lost: no need to wait for fsync.
    await c.query('SET synchronous_commit = off');
    await c.query('SELECT pg_advisory_lock($1)', [UNIFY_LOCK]);
    await c.query('DROP TABLE IF EXISTS u_work, u_blocked');
    await c.query(`CREATE TEMP TABLE u_work (
      src text NOT NULL, raw_id bigint NOT NULL, src_id text NOT NULL, rank bigint NOT NULL,
      stripe_id text, email text, phone text, ghl_id text, mc_id text, name text,
      prev_client bigint, fetched_at timestamptz NOT NULL,
      client_id bigint, done boolean NOT NULL DEFAULT false, marked boolean NOT NULL DEFAULT false)`);
    for (const [i, s] of SOURCES.entries()) {
      await c.query(
        `INSERT INTO u_work (src, raw_id, rank, src_id, stripe_id, email, phone, ghl_id, mc_id, name, prev_client, fetched_at)
         SELECT '${s.src}', id, ${(i + 1) * 1e12} + id, ${s.select}, client_id, fetched_at
           FROM ${s.table} WHERE ${PENDING}`,
      );
    }
    await c.query('CREATE UNIQUE INDEX ON u_work (src, raw_id)');
    await c.query('ANALYZE u_work');
    counters.pendingRows = Number((await c.query('SELECT count(*) AS n FROM u_work')).rows[0].n);
    counters.phase = 'screening identifiers';
    await progress(pool, runId, counters);

    await timed('screen', () => screenIdentifiers(c, config, counters));
    // A row with no usable key cannot be matched or seeded: report it, leave it pending.
    const unkeyed = await c.query(
      `DELETE FROM u_work WHERE stripe_id IS NULL AND email IS NULL AND phone IS NULL AND ghl_id IS NULL AND mc_id IS NULL`,
    );
    counters.unkeyed = unkeyed.rowCount ?? 0;

    for (let wave = 1; wave <= config.UNIFY_MAX_WAVES; wave++) {
      counters.waves = wave;
      counters.phase = `wave ${wave}`;
      await timed('match', () => matchExisting(c));
      counters.clientsUpdated += await timed('fill', () => fillKeys(c));
      counters.conflicts += await timed('conflicts', () => recordConflicts(c));
      await c.query('UPDATE u_work SET done = true WHERE NOT done AND client_id IS NOT NULL');
      counters.merged += await timed('mark', () => markRaw(c));
      const left = Number((await c.query('SELECT count(*) AS n FROM u_work WHERE NOT done')).rows[0].n);
      await progress(pool, runId, counters);
      if (left === 0) break;
      counters.clientsCreated += await timed('seed', () => seedLeaders(c));
    }
    counters.phase = 'linking payments';
    counters.linkedPayments = await timed('payments', () => linkPayments(c));
    counters.phase = 'done';
    await c.query('DROP TABLE IF EXISTS u_work, u_blocked');
    await pool.query(
      `UPDATE sync_runs SET status = 'succeeded', counters = $2::jsonb, processed = $3, total = $4,
         finished_at = now(), updated_at = now() WHERE id = $1`,
      [runId, JSON.stringify(counters), counters.merged, counters.pendingRows],
    );
    log.info({ runId, ...counters, blocked: counters.blocked.length }, 'unify finished');
    return counters;
  } finally {
    await c.end().catch(() => {});
  }
}

/** Denylist, placeholder patterns and the cardinality limit: such identifiers stop being keys. */
async function screenIdentifiers(c: pg.Client, config: StagingConfig, counters: UnifyCounters) {
  await c.query('CREATE TEMP TABLE u_blocked (kind text, value text, reason text, seen bigint)');
  await c.query(
    `INSERT INTO u_blocked SELECT 'email', e, 'denylist', 0 FROM unnest($1::text[]) e
     UNION ALL SELECT 'phone', p, 'denylist', 0 FROM unnest($2::text[]) p`,
    [config.UNIFY_EMAIL_DENYLIST.map((e) => e.toLowerCase()), config.UNIFY_PHONE_DENYLIST],
  );
  await c.query(
    `INSERT INTO u_blocked SELECT DISTINCT 'email', email, 'placeholder', 0 FROM u_work
      WHERE email ~ '^(test|noemail|no-email|no_email|none|null|na|n/a|sinemail|sincorreo|nomail|fake|dummy)@'
     UNION SELECT DISTINCT 'phone', phone, 'placeholder', 0 FROM u_work
      WHERE phone ~ '(\\d)\\1{6,}$' OR phone ~ '1234567890?$'`,
  );
  // Cardinality over every raw row (not only pending ones), so incremental runs see it too.
  const all = SOURCES.map(
    (s) => `SELECT email, phone_e164 AS phone, '${s.src}:' || id AS rec FROM ${s.table}`,
  ).join(' UNION ALL ');
  // count(*) bounds count(DISTINCT …): only identifiers seen more than N times need the exact count.
  await c.query(
    `WITH recs AS MATERIALIZED (${all}),
     hot_email AS (SELECT email FROM recs WHERE email IN (SELECT email FROM u_work)
                    GROUP BY email HAVING count(*) > $1),
     hot_phone AS (SELECT phone FROM recs WHERE phone IN (SELECT phone FROM u_work)
                    GROUP BY phone HAVING count(*) > $1)
     INSERT INTO u_blocked
     SELECT 'email', email, 'cardinality', count(DISTINCT COALESCE(phone, rec)) FROM recs
      WHERE email IN (SELECT email FROM hot_email) GROUP BY email
     HAVING count(DISTINCT COALESCE(phone, rec)) > $1
     UNION ALL
     SELECT 'phone', phone, 'cardinality', count(DISTINCT COALESCE(email, rec)) FROM recs
      WHERE phone IN (SELECT phone FROM hot_phone) GROUP BY phone
     HAVING count(DISTINCT COALESCE(email, rec)) > $1`,
    [config.UNIFY_MAX_IDENTIFIER_CARDINALITY],
  );
  await c.query(
    `UPDATE u_work SET email = NULL WHERE email IN (SELECT value FROM u_blocked WHERE kind = 'email')`,
  );
  await c.query(
    `UPDATE u_work SET phone = NULL WHERE phone IN (SELECT value FROM u_blocked WHERE kind = 'phone')`,
  );
  const blocked = await c.query<{ kind: string; value: string; reason: string; seen: string }>(
    `SELECT DISTINCT ON (kind, value) kind, value, reason, seen FROM u_blocked
      WHERE reason <> 'denylist' OR value IN (SELECT email FROM u_work UNION SELECT phone FROM u_work)
      ORDER BY kind, value, seen DESC LIMIT 200`,
  );
  counters.blocked = blocked.rows.map((r) => ({ ...r, seen: Number(r.seen) }));
}

async function matchExisting(c: pg.Client) {
  await c.query(
    `UPDATE u_work w SET client_id = m.cid FROM (
       SELECT w2.src, w2.raw_id, COALESCE(c1.id, c2.id, c3.id, c4.id, c5.id, w2.prev_client) AS cid
         FROM u_work w2
         LEFT JOIN clients c1 ON c1.stripe_customer_id = w2.stripe_id
         LEFT JOIN clients c2 ON c2.email = w2.email
         LEFT JOIN clients c3 ON c3.phone_e164 = w2.phone
         LEFT JOIN clients c4 ON c4.ghl_contact_id = w2.ghl_id
         LEFT JOIN clients c5 ON c5.manychat_subscriber_id = w2.mc_id
        WHERE NOT w2.done AND w2.client_id IS NULL) m
     WHERE w.src = m.src AND w.raw_id = m.raw_id AND m.cid IS NOT NULL`,
  );
}

/** Fills empty client keys from matched rows: lowest rank wins, never a value another client holds. */
async function fillKeys(c: pg.Client): Promise<number> {
  let n = 0;
  for (const k of [...KEYS, { client: 'name', work: 'name', source: null }]) {
    const setSource = k.source ? `, ${k.source} = u.s` : '';
    const unique = `WHERE NOT EXISTS (SELECT 1 FROM clients o WHERE o.${k.client} = cand.v)`;
    const res = await c.query(
      `WITH cand AS (
         SELECT DISTINCT ON (w.client_id) w.client_id, w.${k.work} AS v, w.src || ':' || w.src_id AS s
           FROM u_work w JOIN clients cl ON cl.id = w.client_id
          WHERE NOT w.done AND w.${k.work} IS NOT NULL AND cl.${k.client} IS NULL
          ORDER BY w.client_id, w.rank),
       uniq AS (${k.client === 'name' ? 'SELECT client_id, v, s FROM cand' : `SELECT DISTINCT ON (v) client_id, v, s FROM cand ${unique} ORDER BY v, client_id`})
       UPDATE clients cl SET ${k.client} = u.v${setSource}, updated_at = now()
         FROM uniq u WHERE cl.id = u.client_id`,
    );
    n += res.rowCount ?? 0;
  }
  return n;
}

/** A row whose email/phone differs from its client's (or is held by another client) is a conflict. */
async function recordConflicts(c: pg.Client): Promise<number> {
  let n = 0;
  for (const k of KEYS.filter((x) => x.source)) {
    const res = await c.query(
      `INSERT INTO merge_conflicts (client_id, field, existing_value, existing_source, incoming_value, incoming_source, incoming_source_id)
       SELECT w.client_id, '${k.client}', cl.${k.client},
              COALESCE(cl.${k.source}, 'client:' || (SELECT o.id FROM clients o WHERE o.${k.client} = w.${k.work})),
              w.${k.work}, w.src, w.src_id
         FROM u_work w JOIN clients cl ON cl.id = w.client_id
        WHERE NOT w.done AND w.${k.work} IS NOT NULL AND cl.${k.client} IS DISTINCT FROM w.${k.work}
       ON CONFLICT DO NOTHING`,
    );
    n += res.rowCount ?? 0;
  }
  return n;
}

/** New clients from pending rows that hold the lowest rank for every key they carry. */
async function seedLeaders(c: pg.Client): Promise<number> {
  const mins = KEYS.map(
    (k) =>
      `CASE WHEN ${k.work} IS NULL THEN rank ELSE min(rank) OVER (PARTITION BY ${k.work}) END AS m_${k.work}`,
  ).join(', ');
  const leader = KEYS.map((k) => `rank = m_${k.work}`).join(' AND ');
  const res = await c.query(
    `WITH u AS (SELECT *, ${mins} FROM u_work WHERE NOT done AND client_id IS NULL)
     INSERT INTO clients (stripe_customer_id, email, phone_e164, ghl_contact_id, manychat_subscriber_id, name,
                          email_source, phone_source)
     SELECT stripe_id, email, phone, ghl_id, mc_id, name,
            CASE WHEN email IS NOT NULL THEN src || ':' || src_id END,
            CASE WHEN phone IS NOT NULL THEN src || ':' || src_id END
       FROM u WHERE ${leader}
     ON CONFLICT DO NOTHING`,
  );
  return res.rowCount ?? 0;
}

/** Writes merged_at (the version merged) and client_id back to the raw rows settled so far. */
async function markRaw(c: pg.Client): Promise<number> {
  let n = 0;
  for (const s of SOURCES) {
    const res = await c.query(
      `UPDATE ${s.table} r SET merged_at = w.fetched_at, client_id = w.client_id
         FROM u_work w WHERE w.src = '${s.src}' AND w.done AND NOT w.marked AND r.id = w.raw_id`,
    );
    n += res.rowCount ?? 0;
  }
  await c.query('UPDATE u_work SET marked = true WHERE done AND NOT marked');
  return n;
}

/** Payments, invoices and subscriptions follow their customer's client (Stripe id, then email). */
async function linkPayments(c: pg.Client): Promise<number> {
  let n = 0;
  for (const table of ['transactions', 'invoices', 'subscriptions']) {
    const res = await c.query(
      `UPDATE ${table} t SET client_id = m.cid, merged_at = t.fetched_at FROM (
         SELECT t2.id, COALESCE(s.client_id, cs.id, ce.id) AS cid FROM ${table} t2
           LEFT JOIN stripe_customers_raw s ON t2.source = 'stripe' AND s.stripe_customer_id = t2.customer_ref
           LEFT JOIN clients cs ON cs.stripe_customer_id = t2.customer_ref
           LEFT JOIN clients ce ON ce.email = t2.email
          WHERE (t2.merged_at IS NULL OR t2.fetched_at > t2.merged_at)) m
       WHERE t.id = m.id AND m.cid IS NOT NULL`,
    );
    n += res.rowCount ?? 0;
  }
  return n;
}
