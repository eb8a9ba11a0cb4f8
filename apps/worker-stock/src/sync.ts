import { siigo } from '@cauce/providers';
import { numberedPages, RedisLease } from '@cauce/runtime';
import { publishStockEvents } from './events.ts';

import type { StockService } from './service.ts';
import { applySnapshots } from './store.ts';

export const SYNC_SOURCE = 'siigo_stock';

export interface SyncCounters {
  pages: number;
  checked: number;
  created: number;
  updated: number;
  stockChanged: number;
  stale: number;
  /** Products SIIGO listed that did not parse (skipped, logged). */
  invalid: number;
}

export type SyncOutcome =
  | {
      outcome: 'succeeded';
      runId: string;
      counters: SyncCounters;
      durationMs: number;
      /** Time the run was blocked waiting for SIIGO (the rest is our code). */
      httpWaitMs: number;
      /** Time in applySnapshots: the compare-and-write against PostgreSQL. */
      applyMs: number;
    }
  | { outcome: 'failed'; runId: string; counters: SyncCounters; error: string }
  | { outcome: 'cancelled'; runId: string; counters: SyncCounters }
  | { outcome: 'skipped_overlap' | 'skipped_circuit_open' };

/**
 * One scheduled run: page through SIIGO's products, compare each page with `products` and write
 * the differences (stock_changes with source scheduled_sync), publishing every stock change.
 * Skips when another run holds the lock (overlap) or the circuit is open (no pile-up during an
 * outage). A failure is recorded in sync_runs and metrics; the next tick simply tries again.
 */
export async function runScheduledSync(s: StockService, trigger = 'schedule'): Promise<SyncOutcome> {
  const { config, db, log, metrics } = s;
  if (s.breaker.refusing) {
    metrics.syncRuns.inc({ outcome: 'skipped_circuit_open' });
    log.warn('scheduled sync skipped: SIIGO circuit breaker is open');
    return { outcome: 'skipped_circuit_open' };
  }
  const lock = new RedisLease({
    redis: s.redis,
    key: s.keys.syncLock,
    ttlMs: config.SIIGO_SYNC_LOCK_TTL_MS,
    autoRenew: true,
  });
  if (!(await lock.acquire())) {
    metrics.syncRuns.inc({ outcome: 'skipped_overlap' });
    log.info('scheduled sync skipped: another run is still going');
    return { outcome: 'skipped_overlap' };
  }
  const started = performance.now();
  const pageSize = config.SIIGO_PAGE_SIZE;
  // We hold the lock, so any other 'running' row belongs to a run whose process died.
  await db.syncRun.updateMany({
    where: { source: SYNC_SOURCE, status: 'running' },
    data: { status: 'failed', error: 'interrupted (its worker stopped mid-run)', finishedAt: new Date() },
  });
  const run = await db.syncRun.create({
    data: { source: SYNC_SOURCE, kind: 'scheduled', status: 'running', params: { trigger, pageSize } },
  });
  const runId = run.id.toString();
  const c: SyncCounters = {
    pages: 0,
    checked: 0,
    created: 0,
    updated: 0,
    stockChanged: 0,
    stale: 0,
    invalid: 0,
  };
  const runLog = log.child({ syncRunId: runId, trigger });
  let httpWaitMs = 0;
  let applyMs = 0;
  try {
    // Later pages are requested while a page is compared and written (up to SIIGO_SYNC_CONCURRENCY
    // at once, within the budget); pages are written in order.
    const pages = numberedPages({
      first: 1,
      concurrency: config.SIIGO_SYNC_CONCURRENCY,
      fetch: (page) => s.breaker.call(() => s.client.listProducts(page, pageSize)),
      lastPage: (res, page) =>
        res.results.length + res.invalid.length === 0
          ? page
          : Math.ceil(res.pagination.total_results / (res.pagination.page_size || pageSize)),
    });
    for (;;) {
      if (!lock.held) throw new Error('sync lock lost (run stalled longer than SIIGO_SYNC_LOCK_TTL_MS)');
      const waitStarted = performance.now();
      const step = await pages.next();
      httpWaitMs += performance.now() - waitStarted;
      if (step.done) break;
      const { n: page, page: res } = step.value;
      const last =
        res.results.length + res.invalid.length === 0 ||
        page * (res.pagination.page_size || pageSize) >= res.pagination.total_results;
      if (res.invalid.length) {
        c.invalid += res.invalid.length;
        runLog.warn({ page, invalid: res.invalid }, 'SIIGO listed products that do not parse; skipped');
      }
      const applyStarted = performance.now();
      const applied = await applySnapshots(db, res.results.map(siigo.toProductSnapshot), 'scheduled_sync');
      applyMs += performance.now() - applyStarted;
      c.pages++;
      c.checked += applied.checked;
      c.created += applied.created;
      c.updated += applied.updated;
      c.stockChanged += applied.events.length;
      c.stale += applied.stale;
      metrics.productsChecked.inc({ source: 'scheduled_sync' }, applied.checked);
      metrics.productsChanged.inc({ source: 'scheduled_sync', kind: 'created' }, applied.created);
      metrics.productsChanged.inc({ source: 'scheduled_sync', kind: 'stock' }, applied.events.length);
      metrics.productsChanged.inc(
        { source: 'scheduled_sync', kind: 'other' },
        applied.updated - applied.events.length,
      );
      await publishStockEvents(s.redis, config.QUEUE_PREFIX, applied.events, {
        retentionMs: config.STOCK_EVENTS_RETENTION_MS,
        maxLen: config.STOCK_EVENTS_MAXLEN,
      });
      if (c.pages % 10 === 0)
        await db.syncRun.update({
          where: { id: run.id },
          data: {
            processed: c.checked,
            total: res.pagination.total_results,
            counters: { ...c },
            checkpoint: { page },
          },
        });
      if (last) break;
      if (s.stopping) {
        // Shutting down: stop between pages; the next run (any replica) starts over from page 1.
        await db.syncRun.update({
          where: { id: run.id },
          data: {
            status: 'cancelled',
            error: 'worker shutting down',
            processed: c.checked,
            counters: { ...c },
            checkpoint: { page },
            finishedAt: new Date(),
          },
        });
        metrics.syncRuns.inc({ outcome: 'cancelled' });
        runLog.info({ ...c, page }, 'scheduled sync stopped for shutdown');
        return { outcome: 'cancelled', runId, counters: c };
      }
    }
    const durationMs = performance.now() - started;
    await db.syncRun.update({
      where: { id: run.id },
      data: {
        status: 'succeeded',
        processed: c.checked,
        total: c.checked,
        counters: { ...c },
        finishedAt: new Date(),
      },
    });
    await s.redis.set(s.keys.lastSyncSuccess, String(Date.now()));
    metrics.syncRuns.inc({ outcome: 'succeeded' });
    metrics.syncDuration.observe(durationMs / 1000);
    runLog.info(
      {
        ...c,
        durationMs: Math.round(durationMs),
        httpWaitMs: Math.round(httpWaitMs),
        applyMs: Math.round(applyMs),
      },
      'scheduled sync finished',
    );
    return { outcome: 'succeeded', runId, counters: c, durationMs, httpWaitMs, applyMs };
  } catch (err) {
    const error = (err as Error).message;
    await db.syncRun
      .update({
        where: { id: run.id },
        data: { status: 'failed', error, processed: c.checked, counters: { ...c }, finishedAt: new Date() },
      })
      .catch((e) => runLog.error({ err: e }, 'could not record the failed sync run'));
    metrics.syncRuns.inc({ outcome: 'failed' });
    runLog.error({ err, ...c }, 'scheduled sync failed');
    return { outcome: 'failed', runId, counters: c, error };
  } finally {
    await lock.release();
  }
}
