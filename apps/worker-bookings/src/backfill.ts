import type { Prisma } from '@cauce/db';
import { beds24 } from '@cauce/providers';
import { PermanentError } from '@cauce/runtime';
import { z } from 'zod';
import type { BookingsService } from './service.ts';
import { type BookingWrite, upsertBookings } from './store.ts';

export const BACKFILL_SOURCE = 'beds24';
export const BACKFILL_KIND = 'backfill';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
/** What a backfill covers: arrival dates (default) or modification dates, optionally one property. */
export const backfillParams = z
  .object({
    from: day,
    to: day,
    propertyId: z.union([z.string(), z.number()]).transform(String).optional(),
    by: z.enum(['arrival', 'modified']).default('arrival'),
  })
  .refine((p) => p.from <= p.to, { message: 'from must not be after to' });
export type BackfillParams = z.infer<typeof backfillParams>;

interface Counters {
  inserted: number;
  updated: number;
  stale: number;
  invalid: number;
  pages: number;
}

export function listQuery(p: BackfillParams): beds24.BookingListQuery {
  return p.by === 'modified'
    ? { modifiedFrom: `${p.from}T00:00:00`, modifiedTo: `${p.to}T23:59:59`, propertyId: p.propertyId }
    : { arrivalFrom: p.from, arrivalTo: p.to, propertyId: p.propertyId };
}

/** Creates a queued backfill run; the ingress endpoint and the CLI both start here. */
export async function createBackfillRun(db: BookingsService['db'], params: BackfillParams) {
  return db.syncRun.create({
    data: {
      source: BACKFILL_SOURCE,
      kind: BACKFILL_KIND,
      status: 'queued',
      params: params as Prisma.InputJsonValue,
      checkpoint: { page: 1 },
    },
  });
}

/** The newest unfinished run with the same parameters (the CLI resumes it instead of starting over). */
export async function findUnfinishedRun(db: BookingsService['db'], params: BackfillParams) {
  const runs = await db.syncRun.findMany({
    where: { source: BACKFILL_SOURCE, kind: BACKFILL_KIND, status: { in: ['queued', 'running', 'failed'] } },
    orderBy: { id: 'desc' },
    take: 50,
  });
  // JSONB reorders keys, so compare field by field.
  const same = (p: unknown) => {
    const q = backfillParams.safeParse(p);
    return q.success && (['from', 'to', 'propertyId', 'by'] as const).every((k) => q.data[k] === params[k]);
  };
  return runs.find((r) => same(r.params)) ?? null;
}

/**
 * Pages through the Beds24 bookings list (every status, with items) and upserts each booking.
 * After every page the run's checkpoint moves to the next page, so a killed or retried run
 * continues where it stopped; processed and counters show progress while it runs.
 */
export async function runBackfill(
  s: BookingsService,
  runId: bigint,
  onProgress?: (p: { page: number; processed: number }) => Promise<void> | void,
) {
  const run = await s.db.syncRun.findUnique({ where: { id: runId } });
  if (!run || run.source !== BACKFILL_SOURCE || run.kind !== BACKFILL_KIND)
    throw new PermanentError(`backfill run ${runId} not found`);
  if (run.status === 'succeeded') return run;
  const params = backfillParams.parse(run.params);
  const counters: Counters = {
    inserted: 0,
    updated: 0,
    stale: 0,
    invalid: 0,
    pages: 0,
    ...(run.counters as object),
  };
  let page = Number((run.checkpoint as { page?: number } | null)?.page ?? 1);
  let processed = run.processed;
  await s.db.syncRun.update({ where: { id: runId }, data: { status: 'running', error: null } });
  const log = s.log.child({ runId: runId.toString() });
  log.info({ params, page }, 'Beds24 backfill started');
  try {
    for (;;) {
      const res = await s.client.listBookings(listQuery(params), page);
      const ids = res.bookings.map((b) => String(b.id));
      const messages = s.config.BEDS24_FETCH_MESSAGES ? await s.client.getMessages(ids) : [];
      const writes: BookingWrite[] = [];
      for (const booking of res.bookings) {
        try {
          const own = messages.filter((m) => String(m.bookingId) === String(booking.id));
          writes.push({
            row: beds24.mapBooking({ booking, messages: own }, s.mapOptions),
            bdStatus: 'backfill',
          });
        } catch (err) {
          counters.invalid++;
          log.warn(
            { bookingId: booking.id, err: (err as Error).message },
            'booking skipped: unexpected shape',
          );
        }
      }
      for (const outcome of await upsertBookings(s.pool, writes)) {
        counters[outcome]++;
        s.metrics.upserts.inc({ source: 'backfill', outcome });
      }
      processed += res.bookings.length;
      counters.pages++;
      page++;
      await s.db.syncRun.update({
        where: { id: runId },
        data: { processed, counters: { ...counters }, checkpoint: { page } },
      });
      await onProgress?.({ page: page - 1, processed });
      if (!res.nextPageExists) break;
    }
    s.markSuccess();
    log.info({ processed, counters }, 'Beds24 backfill finished');
    return await s.db.syncRun.update({
      where: { id: runId },
      data: { status: 'succeeded', total: processed, finishedAt: new Date() },
    });
  } catch (err) {
    await s.db.syncRun.update({
      where: { id: runId },
      data: { status: 'failed', error: (err as Error).message },
    });
    throw err;
  }
}
