import { stripe, toE164 } from '@cauce/providers';
import { cursorPages, type Logger } from '@cauce/runtime';
import type pg from 'pg';
import { type BudgetDeps, stagingBudget } from './budgets.ts';
import type { StagingConfig } from './config.ts';
import { normalizeEmail, transactionRow } from './normalize.ts';
import { RAW_TABLES, type RawTable, upsertRaw } from './raw-upsert.ts';
import { checkpoint, finishRun, inTx, lastSucceededCheckpoint, startRun } from './runs.ts';

export function stripeClient(config: StagingConfig, deps: BudgetDeps): stripe.StripeClient | null {
  if (!config.STRIPE_SECRET_KEY) return null;
  return new stripe.StripeClient({
    baseUrl: config.STRIPE_BASE_URL,
    secretKey: config.STRIPE_SECRET_KEY,
    apiVersion: config.STRIPE_API_VERSION,
    budget: stagingBudget(config, deps, 'stripe'),
    timeoutMs: config.HTTP_TIMEOUT_MS,
    retries: config.HTTP_RETRIES,
  });
}

/** Rows for one Stripe list: customers to their raw table (never straight into clients). */
export function stripeRows(list: stripe.StripeList, objs: stripe.StripeObject[], region: string) {
  switch (list) {
    case 'customers':
      return objs.map((o) => {
        const k = stripe.customerKeys(o);
        return {
          stripe_customer_id: k.stripeCustomerId,
          email: normalizeEmail(k.email),
          phone_e164: toE164(k.phone, [region]),
          name: k.name,
          source_created_at: k.createdAt,
          payload: o,
        };
      });
    case 'charges':
    case 'payment_intents':
      return objs.map((o) => {
        const k = stripe.paymentKeys(o, list === 'charges' ? 'charge' : 'payment_intent');
        return transactionRow(k, o);
      });
    case 'invoices':
      return objs.map((o) => {
        const k = stripe.invoiceKeys(o);
        return {
          source: k.source,
          source_id: k.sourceId,
          customer_ref: k.customerRef,
          email: normalizeEmail(k.email),
          status: k.status,
          currency: k.currency,
          total: k.total,
          source_created_at: k.createdAt,
          payload: o,
        };
      });
    case 'subscriptions':
      return objs.map((o) => {
        const k = stripe.subscriptionKeys(o);
        return {
          source: k.source,
          source_id: k.sourceId,
          customer_ref: k.customerRef,
          email: null,
          status: k.status,
          source_created_at: k.createdAt,
          payload: o,
        };
      });
  }
}

export const STRIPE_TABLE: Record<stripe.StripeList, RawTable> = {
  customers: RAW_TABLES.stripeCustomers,
  charges: RAW_TABLES.transactions,
  payment_intents: RAW_TABLES.transactions,
  invoices: RAW_TABLES.invoices,
  subscriptions: RAW_TABLES.subscriptions,
};

interface StripeCheckpoint {
  list: number;
  startingAfter: string | null;
  /** created[gte] per list for this run (from the last succeeded run). */
  since: Partial<Record<stripe.StripeList, number>>;
  /** Newest created seen per list: the next run's `since`. */
  maxCreated: Partial<Record<stripe.StripeList, number>>;
}

/**
 * Stripe staging: every list with cursor pagination, newest first. Incremental: a run asks only
 * for objects created at or after the newest one the last successful run saw (gte, because
 * several objects share a second; upserts make the overlap harmless). Checkpoint per page.
 */
export async function runStripeSync(
  pool: pg.Pool,
  client: stripe.StripeClient,
  config: StagingConfig,
  runId: string,
  log: Logger,
) {
  const run = await startRun(pool, runId);
  if (!run) return null;
  let cp = run.checkpoint as StripeCheckpoint | null;
  if (!cp) {
    const prev = (await lastSucceededCheckpoint<StripeCheckpoint>(pool, 'stripe', runId))?.maxCreated ?? {};
    cp = { list: 0, startingAfter: null, since: { ...prev }, maxCreated: { ...prev } };
  }
  const counters: Record<string, number> = {
    pages: 0,
    fetched: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    ...run.counters,
  };
  let processed = run.processed;
  for (; cp.list < stripe.STRIPE_LISTS.length; cp.list++, cp.startingAfter = null) {
    const list = stripe.STRIPE_LISTS[cp.list] as stripe.StripeList;
    // The next page is requested as soon as this one arrives, while this one is written.
    const pages = cursorPages({
      start: cp.startingAfter,
      fetch: (startingAfter: string | null) =>
        client.list(list, {
          limit: config.STRIPE_PAGE_SIZE,
          startingAfter: startingAfter ?? undefined,
          createdGte: cp.since[list],
        }),
      next: (page) => (page.has_more && page.data.length > 0 ? page.data.at(-1)!.id : null),
    });
    for await (const page of pages) {
      const rows = stripeRows(list, page.data, config.DEFAULT_PHONE_REGION);
      for (const o of page.data) cp.maxCreated[list] = Math.max(cp.maxCreated[list] ?? 0, o.created);
      cp.startingAfter = page.data.at(-1)?.id ?? cp.startingAfter;
      const state = cp;
      await inTx(pool, async (tx) => {
        const n = await upsertRaw(tx, STRIPE_TABLE[list], rows);
        counters.pages = (counters.pages ?? 0) + 1;
        counters.fetched = (counters.fetched ?? 0) + rows.length;
        counters[list] = (counters[list] ?? 0) + rows.length;
        counters.inserted = (counters.inserted ?? 0) + n.inserted;
        counters.updated = (counters.updated ?? 0) + n.updated;
        counters.unchanged = (counters.unchanged ?? 0) + n.unchanged;
        processed += rows.length;
        await checkpoint(tx, runId, state, counters, processed);
      });
    }
  }
  await pool.query(`UPDATE sync_runs SET checkpoint = $2::jsonb WHERE id = $1`, [runId, JSON.stringify(cp)]);
  await finishRun(pool, runId, counters);
  log.info({ runId, ...counters }, 'Stripe sync finished');
  return counters;
}
