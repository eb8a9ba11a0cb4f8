import type pg from 'pg';
import type { UnifyCounters } from './unify.ts';
import { SOURCES } from './unify-sources.ts';

type Timed = <T>(step: string, fn: () => Promise<T>) => Promise<T>;

/** Client key columns, the u_work column each comes from, and whether a client holds it alone. */
const KEYS = [
  { client: 'stripe_customer_id', work: 'stripe_id', unique: true, source: null },
  { client: 'email', work: 'email', unique: true, source: 'email_source' },
  { client: 'phone_e164', work: 'phone', unique: false, source: 'phone_source' },
  { client: 'ghl_contact_id', work: 'ghl_id', unique: true, source: null },
  { client: 'manychat_subscriber_id', work: 'mc_id', unique: true, source: null },
  { client: 'name', work: 'name', unique: false, source: null },
] as const;

/** "<source>:<source id>" of a u_work row. */
const REC = `w.src || ':' || w.src_id`;
/** Splits a "<source>:<source id>" (the id may itself contain ':'). */
const srcOf = (s: string) => `split_part(${s}, ':', 1)`;
const idOf = (s: string) => `substr(${s}, strpos(${s}, ':') + 1)`;

/**
 * Gives every group a client and writes what changed: a group keeps the client most of its records
 * already had (so operator merges and earlier runs stay put), a client no group keeps is retired
 * (pointing at the client that took most of its records, if any), and each client's keys are
 * re-derived from its current records: the value it has if a record still carries it, else the
 * highest-priority record's. Conflicts, raw rows and payments follow.
 */
export async function assignClients(c: pg.ClientBase, counters: UnifyCounters, timed: Timed) {
  await timed('assign', async () => {
    await c.query('DROP TABLE IF EXISTS u_votes, u_best, u_grp');
    await c.query(
      `CREATE TEMP TABLE u_votes ON COMMIT DROP AS
       SELECT grp, prev_client AS cid, count(*) AS n, min(rank) AS r FROM u_work
        WHERE grp IS NOT NULL AND prev_client IS NOT NULL GROUP BY grp, prev_client`,
    );
    // Each client goes to the group holding most of its records (ties: its best-ranked record's).
    await c.query(
      `CREATE TEMP TABLE u_best ON COMMIT DROP AS SELECT DISTINCT ON (cid) cid, grp, n, r FROM u_votes ORDER BY cid, n DESC, r`,
    );
    const cols = KEYS.map((k) => `NULL::text AS ${k.work}`).join(', ');
    await c.query(
      `CREATE TEMP TABLE u_grp ON COMMIT DROP AS
       SELECT grp, min(rank) AS lead, count(*) AS size, bool_or(email IS NOT NULL) AS anchored, NULL::bigint AS client,
              false AS new, ${cols}, NULL::text AS email_src, NULL::text AS phone_src
         FROM u_work WHERE grp IS NOT NULL GROUP BY grp`,
    );
    await c.query('CREATE UNIQUE INDEX ON u_grp (grp)');
    await c.query('ANALYZE u_grp');
    await c.query('ANALYZE u_votes');
    // Of the clients whose best group it is, a group keeps the one with most of its records (ties:
    // the one of its best-ranked record, so a client follows its Stripe customer before its GHL contact).
    await c.query(
      `UPDATE u_grp g SET client = p.cid FROM (
         SELECT DISTINCT ON (b.grp) b.grp, b.cid FROM u_best b JOIN clients cl ON cl.id = b.cid
          ORDER BY b.grp, b.n DESC, b.r, b.cid) p
        WHERE g.grp = p.grp`,
    );
    await c.query(
      `UPDATE u_grp SET client = nextval(pg_get_serial_sequence('clients', 'id')), new = true WHERE client IS NULL`,
    );
    await c.query('CREATE UNIQUE INDEX ON u_grp (client)');
    await c.query('ANALYZE u_grp');
    await c.query('UPDATE u_work w SET client_id = g.client FROM u_grp g WHERE w.grp = g.grp');
    // Keys: the client's current value while a record carries it, else the best-ranked record's.
    // Most groups are one record: their keys are that record's, in one pass.
    const keep = (k: (typeof KEYS)[number]) =>
      `CASE WHEN w.${k.work} = cl.${k.client} AND cl.${k.source} IS NOT NULL THEN cl.${k.source} ELSE ${REC} END`;
    await c.query(
      `UPDATE u_grp g SET ${KEYS.map((k) => `${k.work} = v.${k.work}`).join(', ')},
              email_src = v.email_src, phone_src = v.phone_src FROM (
         SELECT g2.grp, ${KEYS.map((k) => `w.${k.work}`).join(', ')},
                CASE WHEN w.email IS NOT NULL THEN ${keep(KEYS[1])} END AS email_src,
                CASE WHEN w.phone IS NOT NULL THEN ${keep(KEYS[2])} END AS phone_src
           FROM u_grp g2 JOIN u_work w ON w.rank = g2.lead LEFT JOIN clients cl ON cl.id = g2.client
          WHERE g2.size = 1) v
        WHERE g.grp = v.grp`,
    );
    for (const k of KEYS) {
      const src = k.source ? `, ${keep(k)} AS s` : ', NULL AS s';
      await c.query(
        `UPDATE u_grp g SET ${k.work} = v.val${k.source ? `, ${k.work}_src = v.s` : ''} FROM (
           SELECT DISTINCT ON (w.grp) w.grp, w.${k.work} AS val ${src}
             FROM u_work w JOIN u_grp g2 ON g2.grp = w.grp LEFT JOIN clients cl ON cl.id = g2.client
            WHERE w.${k.work} IS NOT NULL AND g2.size > 1
            ORDER BY w.grp, (w.${k.work} = cl.${k.client}) IS TRUE DESC, w.rank) v
          WHERE g.grp = v.grp`,
      );
      // Only a record split out by the operator can share a unique key with another group: the
      // group of the lowest label keeps it.
      if (k.unique)
        await c.query(
          `UPDATE u_grp g SET ${k.work} = NULL${k.source ? `, ${k.work}_src = NULL` : ''} FROM (
             SELECT ${k.work} AS v, min(grp) AS keep FROM u_grp WHERE ${k.work} IS NOT NULL
              GROUP BY ${k.work} HAVING count(*) > 1) d
            WHERE g.${k.work} = d.v AND g.grp <> d.keep`,
        );
    }
  });

  await timed('clients', async () => {
    const nulls = KEYS.filter((k) => k.unique)
      .map((k) => `${k.client} = NULL`)
      .join(', ');
    // Retire clients no group kept: merged (most of their records went to another client) or stale.
    const retired = await c.query(
      `UPDATE clients cl SET retired_at = now(), merged_into = (SELECT g.client FROM u_best b JOIN u_grp g
                                                                   ON g.grp = b.grp WHERE b.cid = cl.id),
              ${nulls}, updated_at = now()
        WHERE cl.retired_at IS NULL AND NOT EXISTS (SELECT 1 FROM u_grp g WHERE g.client = cl.id)`,
    );
    counters.clientsRetired = retired.rowCount ?? 0;
    const differs = KEYS.map((k) => `cl.${k.client} IS DISTINCT FROM g.${k.work}`).join(' OR ');
    // Free unique values that move between clients first (a unique index is checked row by row).
    const freeing = KEYS.filter((k) => k.unique)
      .map(
        (k) =>
          `${k.client} = CASE WHEN cl.${k.client} IS DISTINCT FROM g.${k.work} THEN NULL ELSE cl.${k.client} END`,
      )
      .join(', ');
    const moving = KEYS.filter((k) => k.unique)
      .map((k) => `(cl.${k.client} IS NOT NULL AND cl.${k.client} IS DISTINCT FROM g.${k.work})`)
      .join(' OR ');
    await c.query(
      `UPDATE clients cl SET ${freeing} FROM u_grp g WHERE cl.id = g.client AND NOT g.new AND (${moving})`,
    );
    const created = await c.query(
      `INSERT INTO clients (id, ${KEYS.map((k) => k.client).join(', ')}, email_source, phone_source)
       SELECT client, ${KEYS.map((k) => k.work).join(', ')}, email_src, phone_src FROM u_grp WHERE new`,
    );
    counters.clientsCreated = created.rowCount ?? 0;
    const updated = await c.query(
      `UPDATE clients cl SET ${KEYS.map((k) => `${k.client} = g.${k.work}`).join(', ')},
              email_source = g.email_src, phone_source = g.phone_src, retired_at = NULL, merged_into = NULL,
              updated_at = now()
         FROM u_grp g
        WHERE cl.id = g.client AND NOT g.new
          AND (${differs} OR cl.email_source IS DISTINCT FROM g.email_src
               OR cl.phone_source IS DISTINCT FROM g.phone_src OR cl.retired_at IS NOT NULL)`,
    );
    counters.clientsUpdated = updated.rowCount ?? 0;
  });

  counters.conflicts = await timed('conflicts', () => recordConflicts(c));
  counters.merged = await timed('mark', () => markRaw(c));
  counters.linkedPayments = await timed('payments', () => linkPayments(c));
}

const INSERT_CONFLICT = `INSERT INTO merge_conflicts (client_id, field, existing_value, existing_source,
  incoming_value, incoming_source, incoming_source_id)`;

/**
 * Conflicts for review (each written once: merge_conflicts is unique on what came in):
 * - a client's records carry another email or phone than the client's ("same email, two phones"),
 *   unless the operator already chose between the two values for that client;
 * - two clients with different emails share a phone (a household): on the lower one, field email,
 *   incoming = the other client's email ("Use incoming" then offers a merge);
 * - an email-less record shares a phone with two or more clients (field shared_phone, on each).
 */
async function recordConflicts(c: pg.ClientBase): Promise<number> {
  let n = 0;
  for (const [field, work] of [
    ['email', 'email'],
    ['phone_e164', 'phone'],
  ] as const) {
    const res = await c.query(
      `${INSERT_CONFLICT}
       SELECT DISTINCT ON (w.grp, w.${work}) g.client, '${field}', g.${work}, g.${work}_src, w.${work}, w.src, w.src_id
         FROM u_work w JOIN u_grp g ON g.grp = w.grp
        WHERE w.${work} IS NOT NULL AND g.${work} IS NOT NULL AND w.${work} <> g.${work}
          -- the operator already chose between these two values for this client: not asked again
          AND NOT EXISTS (SELECT 1 FROM merge_conflicts m WHERE m.client_id = g.client AND m.field = '${field}'
                AND m.status = 'resolved' AND ARRAY[m.existing_value, m.incoming_value] @> ARRAY[g.${work}, w.${work}])
        ORDER BY w.grp, w.${work}, w.rank
       ON CONFLICT DO NOTHING`,
    );
    n += res.rowCount ?? 0;
  }
  await c.query('DROP TABLE IF EXISTS u_gph');
  await c.query(
    `CREATE TEMP TABLE u_gph ON COMMIT DROP AS
     SELECT DISTINCT w.grp, w.phone, g.anchored FROM u_work w JOIN u_grp g ON g.grp = w.grp
      WHERE w.phone IS NOT NULL AND NOT w.split`,
  );
  await c.query('ANALYZE u_gph');
  const households = await c.query(
    `${INSERT_CONFLICT}
     SELECT DISTINCT ON (a.grp, b.grp) ga.client, 'email', ga.email, ga.email_src, gb.email,
            ${srcOf('gb.email_src')}, ${idOf('gb.email_src')}
       FROM u_gph a JOIN u_gph b ON b.phone = a.phone AND b.grp > a.grp AND b.anchored
       JOIN u_grp ga ON ga.grp = a.grp JOIN u_grp gb ON gb.grp = b.grp
      WHERE a.anchored AND ga.email IS NOT NULL AND gb.email IS NOT NULL
      ORDER BY a.grp, b.grp
     ON CONFLICT DO NOTHING`,
  );
  n += households.rowCount ?? 0;
  const ambiguous = await c.query(
    `${INSERT_CONFLICT}
     SELECT DISTINCT ON (a.grp, b.grp) ga.client, 'shared_phone', ga.email, ga.email_src, b.phone, w.src, w.src_id
       FROM u_gph b JOIN u_gph a ON a.phone = b.phone AND a.anchored
       JOIN u_grp ga ON ga.grp = a.grp JOIN u_grp gb ON gb.grp = b.grp JOIN u_work w ON w.rank = gb.lead
      WHERE NOT b.anchored
      ORDER BY a.grp, b.grp, b.phone
     ON CONFLICT DO NOTHING`,
  );
  n += ambiguous.rowCount ?? 0;
  return n;
}

/** Writes client_id and merged_at (the version merged) to the raw rows where either changed. */
async function markRaw(c: pg.ClientBase): Promise<number> {
  let n = 0;
  for (const s of SOURCES) {
    const res = await c.query(
      `UPDATE ${s.table} r SET merged_at = w.fetched_at, client_id = w.client_id
         FROM u_work w
        WHERE w.src = '${s.src}' AND r.id = w.raw_id
          AND (r.client_id IS DISTINCT FROM w.client_id OR r.merged_at IS DISTINCT FROM w.fetched_at)`,
    );
    n += res.rowCount ?? 0;
  }
  return n;
}

/**
 * Payments, invoices and subscriptions follow their customer's client: the Stripe customer or
 * PayPal payer record, else the email. Rows whose client changed (merge, split, retire) move too.
 */
async function linkPayments(c: pg.ClientBase): Promise<number> {
  let n = 0;
  for (const table of ['transactions', 'invoices', 'subscriptions']) {
    const payer =
      table === 'transactions'
        ? `LEFT JOIN paypal_payers_raw pp ON t2.source = 'paypal' AND pp.payer_id = t2.customer_ref`
        : '';
    const res = await c.query(
      `UPDATE ${table} t SET client_id = m.cid, merged_at = t.fetched_at FROM (
         SELECT t2.id, COALESCE(s.client_id, ${table === 'transactions' ? 'pp.client_id, ' : ''}ce.id) AS cid
           FROM ${table} t2
           LEFT JOIN stripe_customers_raw s ON t2.source = 'stripe' AND s.stripe_customer_id = t2.customer_ref
           ${payer}
           LEFT JOIN clients ce ON ce.email = t2.email) m
       WHERE t.id = m.id AND m.cid IS NOT NULL
         AND (t.client_id IS DISTINCT FROM m.cid OR t.merged_at IS DISTINCT FROM t.fetched_at)`,
    );
    n += res.rowCount ?? 0;
  }
  return n;
}
