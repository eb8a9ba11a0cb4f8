import type pg from 'pg';
import type { StagingConfig } from './config.ts';
import type { UnifyCounters } from './unify.ts';

/**
 * Placeholder emails by their local part or domain ("sin correo", "no tiene", example.com…).
 * Phones have no pattern: seven identical trailing digits are a real Colombian mobile, so junk
 * phones are caught by the denylist and the cardinality limits only.
 */
const PLACEHOLDER_EMAIL = `^(test|noemail|no-email|no_email|no\\.email|none|null|na|n/a|nomail|fake|dummy|sinemail|sin-email|sincorreo|sin\\.correo|sin_correo|notiene|no\\.tiene|ninguno|correo|email|prueba|xxx+|asdf)@|@(example\\.(com|org|net)|test\\.com|correo\\.com|email\\.com|noemail\\.com|sincorreo\\.com|mailinator\\.com)$`;

/** First word of a name, lowercase and without accents: how many different people carry a key. */
const FIRST_NAME = `NULLIF(translate(lower(split_part(btrim(regexp_replace(name, '[\\s\\u00a0]+', ' ', 'g')), ' ', 1)),
  'áéíóúàèìòùäëïöüâêîôûñç', 'aeiouaeiouaeiouaeiounc'), '')`;

/**
 * Identifiers that stop being keys, over every raw row: the denylists, placeholder emails, and
 * identifiers carried by too many different people (more distinct records or counterpart keys
 * than UNIFY_MAX_IDENTIFIER_CARDINALITY, an email with more phones than UNIFY_MAX_PHONES_PER_EMAIL,
 * or more different first names than UNIFY_MAX_NAMES_PER_IDENTIFIER). The report (table
 * blocked_identifiers, the first 200 in the run's counters) is taken before the values are nulled,
 * so denylist hits are in it with the number of records that carried them.
 */
export async function screenIdentifiers(c: pg.ClientBase, config: StagingConfig, counters: UnifyCounters) {
  await c.query('DROP TABLE IF EXISTS u_blocked');
  await c.query('CREATE TEMP TABLE u_blocked (kind text, value text, reason text, prio int) ON COMMIT DROP');
  await c.query(
    `INSERT INTO u_blocked
     SELECT DISTINCT 'email', email, 'denylist', 1 FROM u_work WHERE email = ANY($1::text[])
     UNION ALL SELECT DISTINCT 'phone', phone, 'denylist', 1 FROM u_work WHERE phone = ANY($2::text[])
     UNION ALL SELECT DISTINCT 'email', email, 'placeholder', 2 FROM u_work WHERE email ~ '${PLACEHOLDER_EMAIL}'`,
    [config.UNIFY_EMAIL_DENYLIST.map((e) => e.toLowerCase()), config.UNIFY_PHONE_DENYLIST],
  );
  const maxRecords = config.UNIFY_MAX_IDENTIFIER_CARDINALITY;
  const maxPhones = config.UNIFY_MAX_PHONES_PER_EMAIL;
  const maxNames = config.UNIFY_MAX_NAMES_PER_IDENTIFIER;
  // count(*) bounds every count(DISTINCT …): only identifiers on enough rows need the exact counts.
  const floor = Math.min(maxRecords, maxPhones, maxNames);
  for (const [kind, col, other, phones] of [
    ['email', 'email', 'phone', `OR count(DISTINCT phone) > ${maxPhones}`],
    ['phone', 'phone', 'email', ''],
  ] as const) {
    await c.query(
      `WITH hot AS (SELECT ${col} AS v FROM u_work WHERE ${col} IS NOT NULL GROUP BY ${col} HAVING count(*) > $1)
       INSERT INTO u_blocked
       SELECT '${kind}', ${col}, 'cardinality', 3 FROM u_work WHERE ${col} IN (SELECT v FROM hot) GROUP BY ${col}
       HAVING count(DISTINCT COALESCE(${other}, src || ':' || raw_id)) > $2 ${phones}
           OR count(DISTINCT ${FIRST_NAME}) > $3`,
      [floor, maxRecords, maxNames],
    );
  }
  await c.query('TRUNCATE blocked_identifiers');
  const saved = await c.query(
    `WITH b AS (SELECT DISTINCT ON (kind, value) kind, value, reason FROM u_blocked ORDER BY kind, value, prio),
     seen AS (SELECT 'email' AS kind, email AS v, count(*) AS n FROM u_work
               WHERE email IN (SELECT value FROM b WHERE kind = 'email') GROUP BY email
              UNION ALL SELECT 'phone', phone, count(*) FROM u_work
               WHERE phone IN (SELECT value FROM b WHERE kind = 'phone') GROUP BY phone)
     INSERT INTO blocked_identifiers (kind, value, reason, seen)
     SELECT b.kind, b.value, b.reason, COALESCE(s.n, 0) FROM b LEFT JOIN seen s ON s.kind = b.kind AND s.v = b.value`,
  );
  counters.blockedTotal = saved.rowCount ?? 0;
  await c.query(
    `UPDATE u_work SET email = NULL WHERE email IN (SELECT value FROM blocked_identifiers WHERE kind = 'email')`,
  );
  await c.query(
    `UPDATE u_work SET phone = NULL WHERE phone IN (SELECT value FROM blocked_identifiers WHERE kind = 'phone')`,
  );
  const top = await c.query<{ kind: string; value: string; reason: string; seen: number }>(
    `SELECT kind, value, reason, seen FROM blocked_identifiers ORDER BY seen DESC, kind, value LIMIT 200`,
  );
  counters.blocked = top.rows;
}
