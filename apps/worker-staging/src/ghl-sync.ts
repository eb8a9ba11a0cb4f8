import { ghl, toE164 } from '@cauce/providers';
import { cursorPages, type Logger } from '@cauce/runtime';
import type pg from 'pg';
import { type BudgetDeps, stagingBudget } from './budgets.ts';
import type { StagingConfig } from './config.ts';
import { customFieldValue, normalizeEmail } from './normalize.ts';
import { RAW_TABLES, upsertRaw } from './raw-upsert.ts';
import { checkpoint, countPage, finishRun, inTx, type PageCounters, pageCounters, startRun } from './runs.ts';

export function ghlClient(config: StagingConfig, deps: BudgetDeps): ghl.GhlClient | null {
  if (!config.GHL_TOKEN || !config.GHL_LOCATION_ID) return null;
  return new ghl.GhlClient({
    baseUrl: config.GHL_BASE_URL,
    token: config.GHL_TOKEN,
    locationId: config.GHL_LOCATION_ID,
    budget: stagingBudget(config, deps, 'ghl'),
    timeoutMs: config.HTTP_TIMEOUT_MS,
    retries: config.HTTP_RETRIES,
  });
}

/** A GHL contact as a ghl_contacts_raw row (cursor field dropped: it is not part of the contact). */
export function ghlRow(
  c: ghl.GhlContact,
  config: Pick<StagingConfig, 'DEFAULT_PHONE_REGION' | 'GHL_STRIPE_CUSTOMER_FIELD_ID'>,
) {
  const { searchAfter: _cursor, ...payload } = c;
  const k = ghl.contactKeys(c);
  return {
    ghl_contact_id: k.ghlContactId,
    location_id: k.locationId,
    email: normalizeEmail(k.email),
    phone_e164: toE164(k.phone, [config.DEFAULT_PHONE_REGION]),
    name: k.name,
    stripe_customer_ref: customFieldValue(
      (c as Record<string, unknown>).customFields,
      config.GHL_STRIPE_CUSTOMER_FIELD_ID,
    ),
    payload,
  };
}

/**
 * Full GHL contact download, page after page, with no page cap. Each page's rows and the
 * cursor that follows them commit in one transaction, so a run killed at any point resumes
 * from the last committed page: nothing lost, nothing counted twice (upserts are idempotent).
 */
export async function runGhlSync(
  pool: pg.Pool,
  client: ghl.GhlClient,
  config: StagingConfig,
  runId: string,
  log: Logger,
): Promise<PageCounters | null> {
  const run = await startRun(pool, runId);
  if (!run) return null; // finished or cancelled already
  const counters = pageCounters(run);
  let processed = run.processed;
  const cursor = (run.checkpoint?.searchAfter as Array<string | number> | null | undefined) ?? null;
  if (cursor) log.info({ runId, cursor }, 'resuming GHL sync from checkpoint');
  const size = config.GHL_PAGE_SIZE;
  // Each next page is requested as soon as the one before it arrives (the cursor is in it), so
  // the request, the mapping (phone parsing is most of the worker's CPU) and the write overlap.
  let firstPage = true;
  const pages = cursorPages({
    start: cursor,
    fetch: async (after: Array<string | number> | null) => {
      if (!firstPage && config.GHL_PAGE_DELAY_MS > 0)
        await new Promise((r) => setTimeout(r, config.GHL_PAGE_DELAY_MS));
      firstPage = false;
      const page = await client.searchContacts(size, after);
      return { page, rows: page.contacts.map((c) => ghlRow(c, config)) };
    },
    next: ({ page }) => page.next,
  });
  for await (const { page, rows } of pages) {
    const lastCursor = page.contacts.at(-1)?.searchAfter ?? cursor;
    await inTx(pool, async (tx) => {
      const n = await upsertRaw(tx, RAW_TABLES.ghl, rows);
      countPage(counters, rows.length, n);
      processed += rows.length;
      await checkpoint(tx, runId, { searchAfter: lastCursor }, counters, processed, page.total);
    });
  }
  await finishRun(pool, runId, counters);
  log.info({ runId, ...counters }, 'GHL sync finished');
  return counters;
}
