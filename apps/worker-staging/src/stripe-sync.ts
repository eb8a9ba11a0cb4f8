import { stripe, toE164 } from '@cauce/providers';
import { cursorPages, type Logger } from '@cauce/runtime';
import type pg from 'pg';
import { type BudgetDeps, stagingBudget } from './budgets.ts';
import type { StagingConfig } from './config.ts';
import { normalizeEmail, transactionRow } from './normalize.ts';
import { RAW_TABLES, type RawTable, upsertRaw } from './raw-upsert.ts';
import {
  checkpoint,
  countPage,
  finishRun,
  inTx,
  lastSucceededCheckpoint,
  pageCounters,
  startRun,
} from './runs.ts';

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

/** Where one list stands: the cursor after its last stored page, or done. */
interface ListProgress {
  startingAfter: string | null;
  done: boolean;
}

interface StripeCheckpoint {
  /** Per list; a list not named has not stored a page yet. */
  lists: Partial<Record<stripe.StripeList, ListProgress>>;
  /** created[gte] per list for this run (from the last succeeded run). */
  since: Partial<Record<stripe.StripeList, number>>;
  /** Newest created seen per list: the next run's `since`. */
  maxCreated: Partial<Record<stripe.StripeList, number>>;
}

/** A checkpoint written before lists ran side by side: one list at a time, `list` its index. */
interface SequentialCheckpoint {
  list: number;
  startingAfter: string | null;
  since: StripeCheckpoint['since'];
  maxCreated: StripeCheckpoint['maxCreated'];
}

function resumeFrom(saved: StripeCheckpoint | SequentialCheckpoint): StripeCheckpoint {
  if ('lists' in saved) return saved;
  const lists: StripeCheckpoint['lists'] = {};
  stripe.STRIPE_LISTS.forEach((list, i) => {
    if (i < saved.list) lists[list] = { startingAfter: null, done: true };
    if (i === saved.list) lists[list] = { startingAfter: saved.startingAfter, done: false };
  });
  return { lists, since: saved.since, maxCreated: saved.maxCreated };
}

/**
 * Stripe staging: every list with cursor pagination, newest first, the lists side by side (each
 * list is its own cursor, so they need not wait for each other; the account's budget keeps them
 * within Stripe's limit together). Incremental: a run asks only for objects created at or after
 * the newest one the last successful run saw (gte, because several objects share a second;
 * upserts make the overlap harmless).
 *
 * Pages are fetched concurrently but stored one at a time, each with the checkpoint of every list
 * as stored so far, in one transaction: the checkpoint never names a page that is not stored, so
 * a failed run resumes every list after its last stored page, nothing lost, nothing counted twice.
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
  const saved = run.checkpoint as StripeCheckpoint | SequentialCheckpoint | null;
  let cp: StripeCheckpoint;
  if (saved) cp = resumeFrom(saved);
  else {
    const prev = (await lastSucceededCheckpoint<StripeCheckpoint>(pool, 'stripe', runId))?.maxCreated ?? {};
    cp = { lists: {}, since: { ...prev }, maxCreated: { ...prev } };
  }
  let counters = pageCounters(run);
  let processed = run.processed;
  // Page commits, one at a time; after a failure no other list stores anything more.
  let commits: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | null = null;
  const store = (list: stripe.StripeList, page: stripe.StripeListPage) => {
    const commit = commits.then(async () => {
      if (failure) throw failure.error;
      const rows = stripeRows(list, page.data, config.DEFAULT_PHONE_REGION);
      const next: StripeCheckpoint = {
        ...cp,
        lists: {
          ...cp.lists,
          [list]: {
            startingAfter: page.data.at(-1)?.id ?? cp.lists[list]?.startingAfter ?? null,
            done: !page.has_more || page.data.length === 0,
          },
        },
        maxCreated: { ...cp.maxCreated },
      };
      for (const o of page.data) next.maxCreated[list] = Math.max(next.maxCreated[list] ?? 0, o.created);
      const c = { ...counters };
      await inTx(pool, async (tx) => {
        const n = await upsertRaw(tx, STRIPE_TABLE[list], rows);
        countPage(c, rows.length, n);
        c[list] = (c[list] ?? 0) + rows.length;
        await checkpoint(tx, runId, next, c, processed + rows.length);
      });
      // Committed: only now does the run's state move on.
      cp = next;
      counters = c;
      processed += rows.length;
    });
    commits = commit.catch(() => {});
    return commit;
  };
  const syncList = async (list: stripe.StripeList) => {
    const pages = cursorPages({
      start: cp.lists[list]?.startingAfter ?? null,
      fetch: (startingAfter: string | null) =>
        client.list(list, {
          limit: config.STRIPE_PAGE_SIZE,
          startingAfter: startingAfter ?? undefined,
          createdGte: cp.since[list],
        }),
      next: (page) => (page.has_more && page.data.length > 0 ? page.data.at(-1)!.id : null),
    });
    try {
      for await (const page of pages) await store(list, page);
    } catch (error) {
      failure ??= { error }; // the first failure is the run's; the other lists stop at their next page
    }
  };
  // Every list ends (done, or stopped by a failure) before the run does: none writes after it.
  await Promise.all(stripe.STRIPE_LISTS.filter((list) => !cp.lists[list]?.done).map(syncList));
  if (failure) throw (failure as { error: unknown }).error;
  await finishRun(pool, runId, counters);
  log.info({ runId, ...counters }, 'Stripe sync finished');
  return counters;
}
