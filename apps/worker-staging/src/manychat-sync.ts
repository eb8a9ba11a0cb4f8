import { manychat, toE164 } from '@cauce/providers';
import type { Logger, RedisConnection } from '@cauce/runtime';
import type pg from 'pg';
import { type BudgetDeps, stagingBudget } from './budgets.ts';
import type { StagingConfig } from './config.ts';
import { customFieldValue, normalizeEmail } from './normalize.ts';
import { RAW_TABLES, upsertRaw } from './raw-upsert.ts';
import { checkpoint, finishRun, inTx, startRun } from './runs.ts';

export function manychatClient(config: StagingConfig, deps: BudgetDeps): manychat.ManychatClient | null {
  if (!config.MANYCHAT_API_KEY) return null;
  return new manychat.ManychatClient({
    baseUrl: config.MANYCHAT_BASE_URL,
    apiKey: config.MANYCHAT_API_KEY,
    budgets: { findBySystemField: stagingBudget(config, deps, 'manychat') },
    timeoutMs: config.HTTP_TIMEOUT_MS,
    retries: config.HTTP_RETRIES,
  });
}

/** A subscriber as a manychat_contacts_raw row; `via` says how we learned of it. */
export function manychatRow(
  s: Record<string, unknown>,
  via: 'flow' | 'lookup' | 'csv',
  config: Pick<
    StagingConfig,
    'DEFAULT_PHONE_REGION' | 'MANYCHAT_STRIPE_CUSTOMER_FIELD_ID' | 'MANYCHAT_GHL_CONTACT_FIELD_ID'
  >,
) {
  const k = manychat.subscriberKeys(s);
  if (!k.subscriberId) return null;
  return {
    subscriber_id: k.subscriberId,
    email: normalizeEmail(k.email),
    phone_e164: toE164(k.phone, [config.DEFAULT_PHONE_REGION]),
    name: k.name,
    via,
    stripe_customer_ref: customFieldValue(s.custom_fields, config.MANYCHAT_STRIPE_CUSTOMER_FIELD_ID),
    ghl_contact_ref: customFieldValue(s.custom_fields, config.MANYCHAT_GHL_CONTACT_FIELD_ID),
    payload: s,
  };
}

/** Next batch of identifiers other sources staged, in key order (each subquery walks an index). */
const CANDIDATES: Record<'email' | 'phone', string> = {
  email: `SELECT v FROM (
      (SELECT email AS v FROM ghl_contacts_raw WHERE email > $1 ORDER BY email LIMIT $2)
      UNION (SELECT email FROM stripe_customers_raw WHERE email > $1 ORDER BY email LIMIT $2)
      UNION (SELECT email FROM csv_imports_raw WHERE email > $1 ORDER BY email LIMIT $2)) x
    ORDER BY v LIMIT $2`,
  phone: `SELECT v FROM (
      (SELECT phone_e164 AS v FROM ghl_contacts_raw WHERE phone_e164 > $1 ORDER BY phone_e164 LIMIT $2)
      UNION (SELECT phone_e164 FROM stripe_customers_raw WHERE phone_e164 > $1 ORDER BY phone_e164 LIMIT $2)
      UNION (SELECT phone_e164 FROM csv_imports_raw WHERE phone_e164 > $1 ORDER BY phone_e164 LIMIT $2)) x
    ORDER BY v LIMIT $2`,
};

interface LookupCheckpoint {
  field: 'email' | 'phone';
  after: string;
}

/**
 * ManyChat collection by lookup: every email, then every phone staged from other sources is
 * asked once with findBySystemField (paced by the key's fleet-wide budget, MANYCHAT_FIND_BUDGET_MAX). Identifiers already known
 * to ManyChat staging, and pairs asked before (a Redis set, hits and misses), are never asked again.
 */
export async function runManychatLookup(
  pool: pg.Pool,
  redis: RedisConnection,
  client: manychat.ManychatClient,
  config: StagingConfig,
  runId: string,
  log: Logger,
) {
  const run = await startRun(pool, runId);
  if (!run) return null;
  const askedKey = `${config.QUEUE_PREFIX}:staging:manychat:asked`;
  const deny = new Set([...config.UNIFY_EMAIL_DENYLIST, ...config.UNIFY_PHONE_DENYLIST]);
  let cp = (run.checkpoint as LookupCheckpoint | null) ?? { field: 'email', after: '' };
  const counters: Record<string, number> = { asked: 0, found: 0, skipped: 0, inserted: 0, ...run.counters };
  let processed = run.processed;
  for (;;) {
    const batch = (
      await pool.query<{ v: string }>(CANDIDATES[cp.field], [cp.after, config.MANYCHAT_LOOKUP_BATCH])
    ).rows.map((r) => r.v);
    if (batch.length === 0) {
      if (cp.field === 'phone') break;
      cp = { field: 'phone', after: '' };
      continue;
    }
    const col = cp.field === 'email' ? 'email' : 'phone_e164';
    const known = new Set(
      (
        await pool.query<{ v: string }>(
          `SELECT ${col} AS v FROM manychat_contacts_raw WHERE ${col} = ANY($1::text[])`,
          [batch],
        )
      ).rows.map((r) => r.v),
    );
    const members = batch.map((v) => `${cp.field}:${v}`);
    const askedBefore = await redis.smismember(askedKey, ...members);
    const toAsk = batch.filter((v, i) => !known.has(v) && !askedBefore[i] && !deny.has(v));
    counters.skipped = (counters.skipped ?? 0) + batch.length - toAsk.length;
    const field = cp.field;
    const found = await Promise.all(toAsk.map((v) => client.findBySystemField(field, v)));
    const rows = found.flatMap((s) => {
      const r = s ? manychatRow(s, 'lookup', config) : null;
      return r ? [r] : [];
    });
    const next: LookupCheckpoint = { field: cp.field, after: batch.at(-1) as string };
    await inTx(pool, async (tx) => {
      const n = await upsertRaw(tx, RAW_TABLES.manychat, rows);
      counters.asked = (counters.asked ?? 0) + toAsk.length;
      counters.found = (counters.found ?? 0) + rows.length;
      counters.inserted = (counters.inserted ?? 0) + n.inserted;
      processed += batch.length;
      await checkpoint(tx, runId, next, counters, processed);
    });
    if (toAsk.length) await redis.sadd(askedKey, ...toAsk.map((v) => `${field}:${v}`));
    cp = next;
  }
  await finishRun(pool, runId, counters);
  log.info({ runId, ...counters }, 'ManyChat lookup finished');
  return counters;
}
