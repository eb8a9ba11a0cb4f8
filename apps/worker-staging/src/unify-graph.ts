import type pg from 'pg';
import type { UnifyCounters } from './unify.ts';

/**
 * Groups the records of u_work into people (u_work.grp), set-based:
 *
 * 1. **Strong groups**: connected components over the trusted keys: email, the sources' own ids
 *    and cross-references (a Stripe customer id carried by a ManyChat field…), and the operator's
 *    merges. A record the operator split out takes part in none of these automatically.
 * 2. **Phones**: groups with no email join each other through a shared phone; such a group then
 *    joins the one group with an email it shares a phone with. A phone never joins two groups
 *    that both have an email (a household, or two people behind one number): they stay apart,
 *    and so does an email-less group that would touch two of them (either could be wrong).
 *
 * The result depends only on the set of records and decisions (labels are the lowest rank in a
 * group, and every rule is on whole groups), never on the order rows arrived in.
 */
export async function resolveGroups(c: pg.ClientBase, counters: UnifyCounters, maxRounds: number) {
  await c.query('DROP TABLE IF EXISTS u_dec, u_edge, u_lab, u_comp, u_ph, u_wlab, u_attach');
  await c.query(
    `CREATE TEMP TABLE u_dec ON COMMIT DROP AS
     SELECT id, kind, record, other_record FROM identity_decisions WHERE active AND record IS NOT NULL`,
  );
  await c.query(
    `UPDATE u_work w SET split = true FROM u_dec d
      WHERE d.kind = 'split' AND d.record = w.src || ':' || w.src_id`,
  );
  // A row with no key at all can never join anything: its final state is "unmergeable".
  const unmergeable = await c.query<{ rec: string }>(
    `SELECT src || ':' || src_id AS rec FROM u_work w
      WHERE email IS NULL AND phone IS NULL AND stripe_id IS NULL AND ghl_id IS NULL AND mc_id IS NULL
        AND pp_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM u_dec d WHERE d.kind = 'merge'
                         AND w.src || ':' || w.src_id IN (d.record, d.other_record))
      ORDER BY rank`,
  );
  counters.unmergeable = unmergeable.rowCount ?? 0;
  counters.unmergeableSample = unmergeable.rows.slice(0, 100).map((r) => r.rec);
  await c.query(
    `UPDATE u_work SET comp = rank
      WHERE NOT (email IS NULL AND phone IS NULL AND stripe_id IS NULL AND ghl_id IS NULL AND mc_id IS NULL
                 AND pp_id IS NULL)
         OR src || ':' || src_id IN (SELECT record FROM u_dec WHERE kind = 'merge'
                                     UNION SELECT other_record FROM u_dec WHERE kind = 'merge')`,
  );

  // 1. Strong groups. Only keys held by two or more records can join anything: a source's own id
  // is unique in its table, so it counts only where another record carries it as a cross-reference.
  await c.query(
    `CREATE TEMP TABLE u_edge ON COMMIT DROP AS
     SELECT node, k FROM (
       SELECT node, k, count(*) OVER (PARTITION BY k) AS n FROM (
         SELECT rank AS node, 'e' || email AS k FROM u_work WHERE email IS NOT NULL AND NOT split
         UNION ALL SELECT rank, 's' || stripe_id FROM u_work WHERE stripe_id IS NOT NULL AND NOT split
           AND (src <> 'stripe' OR stripe_id IN (SELECT stripe_id FROM u_work WHERE src <> 'stripe' AND stripe_id IS NOT NULL))
         UNION ALL SELECT rank, 'g' || ghl_id FROM u_work WHERE ghl_id IS NOT NULL AND NOT split
           AND (src <> 'ghl' OR ghl_id IN (SELECT ghl_id FROM u_work WHERE src <> 'ghl' AND ghl_id IS NOT NULL))
         UNION ALL SELECT w.rank, 'd' || d.id FROM u_dec d JOIN u_work w
                     ON w.src || ':' || w.src_id IN (d.record, d.other_record) WHERE d.kind = 'merge'
       ) keys) counted
      WHERE n > 1`,
  );
  await propagate(c, 'u_edge', maxRounds);
  await c.query('UPDATE u_work w SET comp = l.lab FROM u_lab l WHERE w.rank = l.node AND w.comp <> l.lab');
  // Temp tables have no statistics until analysed: without them the joins below go quadratic.
  await c.query('ANALYZE u_work');

  // 2. Phones. A split record joins nothing by phone either.
  await c.query(
    `CREATE TEMP TABLE u_comp ON COMMIT DROP AS
     SELECT comp, bool_or(email IS NOT NULL) AS anchored FROM u_work WHERE comp IS NOT NULL GROUP BY comp`,
  );
  await c.query('CREATE UNIQUE INDEX ON u_comp (comp)');
  await c.query('ANALYZE u_comp');
  await c.query(
    `CREATE TEMP TABLE u_ph ON COMMIT DROP AS
     SELECT p.comp, p.phone, cm.anchored FROM (
       SELECT comp, phone, count(*) OVER (PARTITION BY phone) AS n
         FROM (SELECT DISTINCT comp, phone FROM u_work WHERE phone IS NOT NULL AND comp IS NOT NULL AND NOT split) d
     ) p JOIN u_comp cm USING (comp) WHERE p.n > 1`,
  );
  await c.query('ANALYZE u_ph');
  // Email-less groups that share a phone are one person (nothing says otherwise).
  await c.query('DROP TABLE IF EXISTS u_wedge');
  await c.query(
    `CREATE TEMP TABLE u_wedge ON COMMIT DROP AS
     SELECT comp AS node, phone AS k FROM (
       SELECT comp, phone, count(*) OVER (PARTITION BY phone) AS n FROM u_ph WHERE NOT anchored) x
      WHERE n > 1`,
  );
  await propagate(c, 'u_wedge', maxRounds);
  // Each email-less group (label g) joins the one anchored group it shares a phone with, if only one.
  await c.query(
    `CREATE TEMP TABLE u_attach ON COMMIT DROP AS
     SELECT g, min(anchor) AS anchor, count(DISTINCT anchor) AS n FROM (
       SELECT COALESCE(l.lab, w.comp) AS g, a.comp AS anchor
         FROM u_ph w LEFT JOIN u_lab l ON l.node = w.comp
         JOIN u_ph a ON a.phone = w.phone AND a.anchored
        WHERE NOT w.anchored) x
      GROUP BY g`,
  );
  await c.query('ANALYZE u_attach');
  // Group of every strong group: itself (with an email), else its anchor if it has one, else the
  // email-less phone group it is part of.
  await c.query('DROP TABLE IF EXISTS u_cgrp');
  await c.query(
    `CREATE TEMP TABLE u_cgrp ON COMMIT DROP AS
     SELECT cm.comp, CASE WHEN cm.anchored THEN cm.comp
                          ELSE COALESCE(CASE WHEN a.n = 1 THEN a.anchor END, l.lab, cm.comp) END AS grp
       FROM u_comp cm
       LEFT JOIN u_lab l ON NOT cm.anchored AND l.node = cm.comp
       LEFT JOIN u_attach a ON NOT cm.anchored AND a.g = COALESCE(l.lab, cm.comp)`,
  );
  await c.query('CREATE UNIQUE INDEX ON u_cgrp (comp)');
  await c.query('ANALYZE u_cgrp');
  await c.query('UPDATE u_work w SET grp = g.grp FROM u_cgrp g WHERE w.comp = g.comp');
  await c.query('CREATE INDEX ON u_work (grp)');
  counters.groups = Number((await c.query('SELECT count(DISTINCT grp) AS n FROM u_work')).rows[0].n);
}

/**
 * Connected components of a bipartite node–key table by min-label propagation: every round takes
 * each key's lowest label and gives every node the lowest of its keys', then jumps pointers
 * (a label is a node: take that node's label), so long chains settle in a few rounds.
 * Leaves u_lab (node, lab) for the nodes of `edges`.
 */
async function propagate(c: pg.ClientBase, edges: string, maxRounds: number) {
  await c.query('DROP TABLE IF EXISTS u_lab');
  await c.query(`CREATE TEMP TABLE u_lab ON COMMIT DROP AS SELECT DISTINCT node, node AS lab FROM ${edges}`);
  await c.query('CREATE UNIQUE INDEX ON u_lab (node)');
  await c.query(`ANALYZE ${edges}`);
  await c.query('ANALYZE u_lab');
  for (let round = 1; ; round++) {
    const moved = await c.query(
      `WITH km AS (SELECT e.k, min(l.lab) AS m FROM ${edges} e JOIN u_lab l USING (node) GROUP BY e.k),
            nm AS (SELECT e.node, min(km.m) AS m FROM ${edges} e JOIN km USING (k) GROUP BY e.node)
       UPDATE u_lab l SET lab = nm.m FROM nm WHERE l.node = nm.node AND nm.m < l.lab`,
    );
    await c.query(`UPDATE u_lab l SET lab = p.lab FROM u_lab p WHERE p.node = l.lab AND p.lab < l.lab`);
    if ((moved.rowCount ?? 0) === 0) return;
    if (round >= maxRounds)
      throw new Error(`grouping did not settle in ${maxRounds} rounds (UNIFY_MAX_WAVES)`);
  }
}
