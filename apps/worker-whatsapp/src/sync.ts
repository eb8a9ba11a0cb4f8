import type { CrmWhatsappNumberModel as CrmWhatsappNumber, Db, Prisma } from '@cauce/db';
import { type CountryCode, toE164 } from '@cauce/providers';
import type { Logger } from '@cauce/runtime';
import {
  type ConnectionEntry,
  type IdConflict,
  type InvalidEntry,
  type ParsedConnections,
  readConnectionsFile,
} from './connections-file.ts';

/** Rows registered before Meta's id was known carry a generated id with this prefix. */
export const GENERATED_ID_PREFIX = 'wsp-';

/** pg_advisory_xact_lock key: syncs from every replica and the CLI run one at a time. */
const SYNC_LOCK_KEY = 7_411_902_024_113n;

type Tx = Prisma.TransactionClient;

export interface NumberRef {
  numberId: string;
  displayName: string;
}

export interface SyncReport {
  file: string;
  /** A dry run: the changes below were computed and rolled back. */
  dryRun: boolean;
  /** Entries in the file's list (valid or not). */
  entries: number;
  added: NumberRef[];
  updated: Array<NumberRef & { fields: string[] }>;
  /** Generated-id rows that now carry Meta's id; queueId is the assignment they kept. */
  repaired: Array<{ from: string; to: string; displayName: string; queueId: number | null }>;
  /** In the table, but absent from the file or isActive:false there. */
  deactivated: NumberRef[];
  unchanged: number;
  /** Active numbers with no queue after the sync: their conversations would have nowhere to go. */
  unassigned: NumberRef[];
  invalid: InvalidEntry[];
  conflicts: IdConflict[];
  counts: {
    added: number;
    updated: number;
    repaired: number;
    deactivated: number;
    unchanged: number;
    unassigned: number;
    invalid: number;
    conflicts: number;
  };
  durationMs: number;
}

export interface SyncOptions {
  db: Db;
  file: string;
  defaultCountry: CountryCode;
  log: Logger;
  /** Compute the report, then roll everything back. */
  dryRun?: boolean;
  /** Told how many of the file's entries are applied, as they are (at most every PROGRESS_EVERY). */
  onProgress?: (done: number, total: number) => Promise<unknown> | unknown;
  /**
   * Deactivate only these numbers: a run that would deactivate any other is rolled back with
   * DeactivationNotConfirmed (the CLI confirms a dry run's list, then applies exactly that).
   */
  confirmedDeactivations?: ReadonlySet<string>;
}

/** The run would deactivate numbers nobody confirmed; nothing was changed. */
export class DeactivationNotConfirmed extends Error {
  constructor(readonly numbers: NumberRef[]) {
    super(
      `would also deactivate ${numbers.map((n) => `${n.displayName} (${n.numberId})`).join(', ')}, which was not confirmed; nothing changed`,
    );
    this.name = 'DeactivationNotConfirmed';
  }
}

/** Thrown inside the transaction to roll a dry run back, carrying what it computed. */
class DryRunRollback<T> extends Error {
  constructor(readonly result: T) {
    super('dry run');
  }
}

const FIELDS = ['phoneNumber', 'displayName', 'wabaId', 'isActive'] as const;
/** Entries applied between two progress reports (and one at the end). */
const PROGRESS_EVERY = 100;

/**
 * Brings crm_whatsapp_numbers in line with the connections file, in ONE transaction: an
 * unusable file throws before anything is written, and a failure half-way rolls everything
 * back. A row is written only when a stored field differs, so a re-run with the same file
 * writes nothing. Access tokens are never read into the report, the table or the log.
 */
export async function syncWhatsappNumbers(opts: SyncOptions): Promise<SyncReport> {
  const started = performance.now();
  const parsed = await readConnectionsFile(opts.file, opts.defaultCountry);
  const run = () =>
    opts.db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SYNC_LOCK_KEY})`;
        const applied = await applyConnections(tx, parsed, opts.defaultCountry, opts.onProgress);
        const confirmed = opts.confirmedDeactivations;
        const unconfirmed = confirmed ? applied.deactivated.filter((n) => !confirmed.has(n.numberId)) : [];
        if (unconfirmed.length) throw new DeactivationNotConfirmed(unconfirmed);
        const unassigned = await tx.crmWhatsappNumber.findMany({
          where: { isActive: true, queueId: null },
          select: { numberId: true, displayName: true },
          orderBy: { numberId: 'asc' },
        });
        const result = { ...applied, unassigned };
        if (opts.dryRun) throw new DryRunRollback(result);
        return result;
      },
      { maxWait: 10_000, timeout: 60_000 },
    );
  const changes = await run().catch((err: unknown) => {
    if (err instanceof DryRunRollback) return err.result as Awaited<ReturnType<typeof run>>;
    throw err;
  });
  const report: SyncReport = {
    file: opts.file,
    dryRun: !!opts.dryRun,
    entries: parsed.total,
    ...changes,
    invalid: parsed.invalid,
    conflicts: parsed.conflicts,
    counts: {
      added: changes.added.length,
      updated: changes.updated.length,
      repaired: changes.repaired.length,
      deactivated: changes.deactivated.length,
      unchanged: changes.unchanged,
      unassigned: changes.unassigned.length,
      invalid: parsed.invalid.length,
      conflicts: parsed.conflicts.length,
    },
    durationMs: Math.round(performance.now() - started),
  };
  if (!report.dryRun) logReport(opts.log, report);
  return report;
}

function logReport(log: Logger, r: SyncReport) {
  for (const i of r.invalid)
    log.warn(
      { index: i.index, id: i.id, numberId: i.phoneNumberId, errors: i.errors },
      'invalid connection entry skipped',
    );
  for (const c of r.conflicts)
    log.warn(
      { numberId: c.phoneNumberId, indexes: c.indexes, aliases: c.aliases },
      'several entries claim the same phoneNumberId; none applied',
    );
  for (const x of r.repaired) log.info(x, 'generated-id number repaired to Meta phone number id');
  if (r.unassigned.length)
    log.warn(
      { numbers: r.unassigned.map((n) => `${n.displayName} (${n.numberId})`) },
      `${r.unassigned.length} active WhatsApp number(s) without a queue`,
    );
  log.info(
    {
      file: r.file,
      ...r.counts,
      durationMs: r.durationMs,
      addedIds: r.added.map((n) => n.numberId),
      deactivatedIds: r.deactivated.map((n) => n.numberId),
    },
    'whatsapp numbers sync finished',
  );
}

/** The changes one parsed file makes to the table (inside the caller's transaction). */
async function applyConnections(
  tx: Tx,
  parsed: ParsedConnections,
  defaultCountry: CountryCode,
  onProgress: SyncOptions['onProgress'],
) {
  const rows = await tx.crmWhatsappNumber.findMany({ orderBy: { id: 'asc' } });
  const byNumberId = new Map(rows.map((r) => [r.numberId, r]));
  // Generated-id rows by phone: stored phones predate normalisation, so normalise them the same way.
  const generated = rows
    .filter((r) => r.numberId.startsWith(GENERATED_ID_PREFIX))
    .map((r) => ({ row: r, e164: toE164(r.phoneNumber, [defaultCountry], { acceptPossible: true }) }));
  const consumed = new Set<number>(); // row ids that an entry claimed this run
  const out = {
    added: [] as NumberRef[],
    updated: [] as SyncReport['updated'],
    repaired: [] as SyncReport['repaired'],
    deactivated: [] as NumberRef[],
    unchanged: 0,
  };

  const takeGenerated = (e: ConnectionEntry) => {
    const candidates = generated
      .filter((g) => g.e164 === e.phoneNumber && !consumed.has(g.row.id))
      .map((g) => g.row)
      // Prefer the row whose queue assignment is worth keeping, then the live one, then the oldest.
      .sort(
        (a, b) =>
          Number(b.queueId !== null) - Number(a.queueId !== null) ||
          Number(b.isActive) - Number(a.isActive) ||
          a.id - b.id,
      );
    return candidates[0];
  };

  const total = parsed.entries.length;
  let done = 0;
  await onProgress?.(0, total);
  for (const e of parsed.entries) {
    if (++done % PROGRESS_EVERY === 0) await onProgress?.(done, total);
    const data = {
      phoneNumber: e.phoneNumber,
      displayName: e.displayName,
      wabaId: e.wabaId,
      isActive: e.isActive,
    };
    const ref = { numberId: e.phoneNumberId, displayName: e.displayName };
    const existing = byNumberId.get(e.phoneNumberId);
    if (existing) {
      consumed.add(existing.id);
      const changed: string[] = FIELDS.filter((f) => existing[f] !== data[f]);
      // A stale generated-id twin of this number: its queue assignment is not lost.
      const twin = takeGenerated(e);
      let queueId: number | undefined;
      if (twin) {
        consumed.add(twin.id);
        if (existing.queueId === null && twin.queueId !== null) {
          queueId = twin.queueId;
          changed.push('queueId');
          out.repaired.push({
            from: twin.numberId,
            to: e.phoneNumberId,
            displayName: e.displayName,
            queueId,
          });
        }
        if (twin.isActive) {
          await tx.crmWhatsappNumber.update({ where: { id: twin.id }, data: { isActive: false } });
          out.deactivated.push({ numberId: twin.numberId, displayName: twin.displayName });
        }
      }
      if (!changed.length) {
        out.unchanged++;
        continue;
      }
      await tx.crmWhatsappNumber.update({
        where: { id: existing.id },
        data: queueId === undefined ? data : { ...data, queueId, repairedAt: new Date() },
      });
      if (existing.isActive && !e.isActive) out.deactivated.push(ref);
      else if (changed.some((f) => f !== 'queueId')) out.updated.push({ ...ref, fields: changed });
      continue;
    }
    const legacy = takeGenerated(e);
    if (legacy) {
      consumed.add(legacy.id);
      await tx.crmWhatsappNumber.update({
        where: { id: legacy.id },
        data: { ...data, numberId: e.phoneNumberId, repairedAt: new Date() }, // queue_id untouched
      });
      out.repaired.push({
        from: legacy.numberId,
        to: e.phoneNumberId,
        displayName: e.displayName,
        queueId: legacy.queueId,
      });
      continue;
    }
    await tx.crmWhatsappNumber.create({ data: { ...data, numberId: e.phoneNumberId } });
    out.added.push(ref);
  }

  await onProgress?.(total, total);
  // Gone from the file: deactivate, never delete (the queue assignment is history).
  const gone = rows.filter(
    (r: CrmWhatsappNumber) => r.isActive && !consumed.has(r.id) && !parsed.untouchable.has(r.numberId),
  );
  if (gone.length) {
    await tx.crmWhatsappNumber.updateMany({
      where: { id: { in: gone.map((r) => r.id) } },
      data: { isActive: false },
    });
    for (const r of gone) out.deactivated.push({ numberId: r.numberId, displayName: r.displayName });
  }
  return out;
}
