import type pg from 'pg';
import type { Dataset } from './dataset.ts';

/**
 * Why unify split a person. Classifies every missed pair (two records of one person in two
 * clients) and, with `--explain-misses N`, prints for the first N people whose records ended in
 * more than one client each record's identifiers as staged (normalised email and phone, the
 * provider's raw values, blocked ones marked) and the class of each missed pair:
 * - `unlinkable`: within the person's own records no chain of usable identifiers (not blocked,
 *   not a placeholder) joins the two, so no identifier rule can link them: the dataset is unfair;
 * - `linkable`: such a chain exists and unify still split them (a rule or guard to look at); the
 *   other people holding the chain's identifiers are listed, since a guard stops on them.
 * Identifiers here are emails and phones: the generators plant no cross-references.
 * Returns the counts per class (the bench reports the unlinkable pairs with the scores).
 */
interface Rec {
  rec: string;
  client: string | null;
  email: string | null;
  phone: string | null;
  raw_email: string | null;
  raw_phone: string | null;
}

export async function classifyMisses(pool: pg.Pool, ds: Dataset, limit: number) {
  const rows = (
    await pool.query<Rec>(
      `SELECT 'ghl:' || ghl_contact_id AS rec, client_id AS client, email, phone_e164 AS phone,
              payload->>'email' AS raw_email, payload->>'phone' AS raw_phone FROM ghl_contacts_raw
       UNION ALL SELECT 'stripe:' || stripe_customer_id, client_id, email, phone_e164,
              payload->>'email', payload->>'phone' FROM stripe_customers_raw
       UNION ALL SELECT 'paypal:' || payer_id, client_id, email, phone_e164,
              payload->>'email_address', payload->'phone_number'->>'national_number' FROM paypal_payers_raw
       UNION ALL SELECT 'manychat:' || subscriber_id, client_id, email, phone_e164, payload->>'email',
              payload->>'phone' FROM manychat_contacts_raw
       UNION ALL SELECT 'csv:' || (payload->>'ref'), client_id, email, phone_e164, payload->>'correo',
              payload->>'telefono' FROM csv_imports_raw`,
    )
  ).rows;
  const blocked = new Set(
    (await pool.query<{ v: string }>(`SELECT kind || ':' || value AS v FROM blocked_identifiers`)).rows.map(
      (r) => r.v,
    ),
  );
  const junk = new Set([...ds.junk.emails, ...ds.junk.phones]);
  const usable = (kind: string, v: string | null) =>
    v !== null && !blocked.has(`${kind}:${v}`) && !junk.has(v);
  const keysOf = (r: Rec) =>
    [
      usable('email', r.email) ? `e:${r.email}` : null,
      usable('phone', r.phone) ? `p:${r.phone}` : null,
    ].filter((k): k is string => k !== null);
  const byPerson = new Map<string, Rec[]>();
  const holders = new Map<string, Set<string>>();
  for (const r of rows) {
    const p = ds.truth.get(r.rec) as string;
    byPerson.set(p, [...(byPerson.get(p) ?? []), r]);
    for (const k of keysOf(r)) holders.set(k, (holders.get(k) ?? new Set()).add(p));
  }
  const show = (r: Rec) => {
    const mark = (kind: string, v: string | null) =>
      v === null ? '-' : usable(kind, v) ? v : `${v} (blocked)`;
    return `${r.rec.padEnd(22)} client ${String(r.client).padEnd(7)} email ${mark('email', r.email).padEnd(40)} phone ${mark('phone', r.phone).padEnd(26)} raw ${JSON.stringify(r.raw_email)} / ${JSON.stringify(r.raw_phone)}`;
  };
  const classes = new Map<string, number>();
  let split = 0;
  for (const [person, recs] of byPerson) {
    if (new Set(recs.map((r) => r.client ?? r.rec)).size < 2) continue;
    // Components of the person's own records over usable identifiers.
    const comp = recs.map((_, i) => i);
    const find = (i: number): number => {
      let root = i;
      while (comp[root] !== root) root = comp[root] as number;
      return root;
    };
    const seen = new Map<string, number>();
    recs.forEach((r, i) => {
      for (const k of keysOf(r)) {
        const j = seen.get(k);
        if (j === undefined) seen.set(k, i);
        else comp[find(i)] = find(j);
      }
    });
    const lines: string[] = [];
    for (let i = 0; i < recs.length; i++)
      for (let j = i + 1; j < recs.length; j++) {
        const a = recs[i] as Rec;
        const b = recs[j] as Rec;
        if (a.client !== null && a.client === b.client) continue;
        const linkable = find(i) === find(j);
        const reason = linkable
          ? 'linkable'
          : keysOf(a).length === 0 || keysOf(b).length === 0
            ? 'unlinkable: a record has no usable identifier'
            : 'unlinkable: no shared usable identifier';
        classes.set(reason, (classes.get(reason) ?? 0) + 1);
        lines.push(`    ${a.rec} ~ ${b.rec}: ${reason}`);
      }
    if (split++ >= limit) continue;
    console.log(`person ${person} (${recs.length} records):`);
    for (const r of recs) {
      const others = keysOf(r)
        .map((k) => [k, [...(holders.get(k) ?? [])].filter((p) => p !== person)] as const)
        .filter(([, ps]) => ps.length > 0)
        .map(([k, ps]) => `${k} also held by ${ps.join(',')}`);
      console.log(`  ${show(r)}${others.length ? `  [${others.join('; ')}]` : ''}`);
    }
    for (const l of lines) console.log(l);
  }
  const byClass = Object.fromEntries(classes);
  if (limit > 0) console.log(JSON.stringify({ missed_pairs_by_class: byClass, split_people: split }));
  const unlinkable = [...classes].reduce((n, [k, v]) => n + (k.startsWith('unlinkable') ? v : 0), 0);
  return { unlinkable, linkable: classes.get('linkable') ?? 0 };
}
