import { paypal, toE164 } from '@cauce/providers';
import type { Logger } from '@cauce/runtime';
import type pg from 'pg';
import { type BudgetDeps, stagingBudget } from './budgets.ts';
import type { StagingConfig } from './config.ts';
import { normalizeEmail, transactionRow } from './normalize.ts';
import { RAW_TABLES, upsertRaw } from './raw-upsert.ts';
import {
  checkpoint,
  countPage,
  finishRun,
  inTx,
  lastSucceededCheckpoint,
  pageCounters,
  startRun,
} from './runs.ts';

export function paypalClient(config: StagingConfig, deps: BudgetDeps): paypal.PaypalClient | null {
  if (!config.PAYPAL_CLIENT_ID || !config.PAYPAL_CLIENT_SECRET) return null;
  return new paypal.PaypalClient({
    baseUrl: config.PAYPAL_BASE_URL,
    clientId: config.PAYPAL_CLIENT_ID,
    clientSecret: config.PAYPAL_CLIENT_SECRET,
    budget: stagingBudget(config, deps, 'paypal'),
    timeoutMs: config.HTTP_TIMEOUT_MS,
    retries: config.HTTP_RETRIES,
  });
}

export function paypalRows(items: Array<Record<string, unknown>>) {
  return items.flatMap((item) => {
    const k = paypal.transactionKeys(item);
    if (!k.sourceId) return [];
    return [transactionRow(k, item)];
  });
}

/**
 * The payers of a page as paypal_payers_raw rows (a contact source of its own): account id, email,
 * phone (`country_code` + `national_number`) and name from `payer_info`; one row per payer.
 */
export function paypalPayerRows(items: Array<Record<string, unknown>>, region: string) {
  return items.flatMap((item) => {
    const p = (item.payer_info ?? {}) as Record<string, unknown>;
    if (typeof p.account_id !== 'string' || !p.account_id) return [];
    const phone = (p.phone_number ?? {}) as { country_code?: unknown; national_number?: unknown };
    const national = typeof phone.national_number === 'string' ? phone.national_number : null;
    const cc = typeof phone.country_code === 'string' ? phone.country_code.replace(/\D/g, '') : '';
    const n = (p.payer_name ?? {}) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
    const name =
      str(n.alternate_full_name) ?? ([str(n.given_name), str(n.surname)].filter(Boolean).join(' ') || null);
    return [
      {
        payer_id: p.account_id,
        email: normalizeEmail(p.email_address),
        phone_e164: national ? toE164(cc ? `+${cc}${national}` : national, [region]) : null,
        name,
        payload: p,
      },
    ];
  });
}

interface PaypalCheckpoint {
  /** Window start (ms) and the next page in it. */
  windowStart: number;
  page: number;
  /** End of the whole run's range (fixed at its start so a resumed run ends where it meant to). */
  until: number;
}

/**
 * PayPal transaction search in windows of at most 31 days (PAYPAL_WINDOW_DAYS), page by page,
 * checkpoint per page. A first run goes back PAYPAL_HISTORY_DAYS; later runs start where the
 * last successful one ended, minus 3 h (PayPal shows transactions up to 3 h late).
 */
export async function runPaypalSync(
  pool: pg.Pool,
  client: paypal.PaypalClient,
  config: StagingConfig,
  runId: string,
  log: Logger,
) {
  const run = await startRun(pool, runId);
  if (!run) return null;
  let cp = run.checkpoint as PaypalCheckpoint | null;
  if (!cp) {
    const now = Date.now();
    const prevEnd = (await lastSucceededCheckpoint<PaypalCheckpoint>(pool, 'paypal', runId))?.until;
    const from = prevEnd ? prevEnd - 3 * 3600_000 : now - config.PAYPAL_HISTORY_DAYS * 86_400_000;
    cp = { windowStart: from, page: 1, until: now };
  }
  const windowMs = Math.min(config.PAYPAL_WINDOW_DAYS * 86_400_000, paypal.PAYPAL_MAX_WINDOW_MS);
  const counters = pageCounters(run, { windows: 0 });
  let processed = run.processed;
  while (cp.windowStart < cp.until) {
    const end = Math.min(cp.windowStart + windowMs, cp.until);
    const page = await client.searchTransactions(
      new Date(cp.windowStart),
      new Date(end),
      cp.page,
      config.PAYPAL_PAGE_SIZE,
    );
    const rows = paypalRows(page.transaction_details);
    const payers = paypalPayerRows(page.transaction_details, config.DEFAULT_PHONE_REGION);
    const last = cp.page >= page.total_pages || page.transaction_details.length === 0;
    const next: PaypalCheckpoint = last ? { ...cp, windowStart: end, page: 1 } : { ...cp, page: cp.page + 1 };
    await inTx(pool, async (tx) => {
      const n = await upsertRaw(tx, RAW_TABLES.transactions, rows);
      const np = await upsertRaw(tx, RAW_TABLES.paypalPayers, payers);
      counters.payers = (counters.payers ?? 0) + np.inserted + np.updated;
      countPage(counters, rows.length, n);
      if (last) counters.windows = (counters.windows ?? 0) + 1;
      processed += rows.length;
      await checkpoint(tx, runId, next, counters, processed);
    });
    cp = next;
  }
  await finishRun(pool, runId, counters);
  log.info({ runId, ...counters }, 'PayPal sync finished');
  return counters;
}
