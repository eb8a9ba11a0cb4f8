import type { Db, Prisma } from '@cauce/db';
import { siigo } from '@cauce/providers';

type Snapshot = siigo.ProductSnapshot;
/** The Prisma client, or an interactive transaction of it (a webhook settles its event in it). */
type Sql = Pick<Db, '$queryRaw'>;
export type StockSource = siigo.StockEvent['source'];

export interface ApplyResult {
  checked: number;
  created: number;
  /** Rows whose stock, warehouses, name, code or active flag changed. */
  updated: number;
  /** Snapshots older than the stored version (SIIGO's own timestamps): not written. */
  stale: number;
  /** One per stock change written to stock_changes. */
  events: siigo.StockEvent[];
}

interface StoredRow {
  id: bigint;
  siigo_product_id: string;
  code: string | null;
  name: string;
  stock: Prisma.Decimal;
  warehouses: unknown;
  active: boolean;
  siigo_updated_at: Date | null;
}

/** Rounds of re-reading when a concurrent writer changed a row between our read and our write. */
const MAX_ROUNDS = 8;

const rowJson = (s: Snapshot) => ({
  siigo_product_id: s.siigoProductId,
  code: s.code,
  name: s.name,
  stock: s.stock,
  warehouses: s.warehouses,
  active: s.active,
  siigo_updated_at: s.siigoUpdatedAt?.toISOString() ?? null,
});

/** A snapshot older than the stored version must never overwrite it. */
const isStale = (snap: Snapshot, row: StoredRow) =>
  !!snap.siigoUpdatedAt && !!row.siigo_updated_at && snap.siigoUpdatedAt < row.siigo_updated_at;

/** Splits snapshots into new products, changed rows, and snapshots older than what is stored. */
function diff(snapshots: readonly Snapshot[], rows: readonly StoredRow[]) {
  const stored = new Map(rows.map((r) => [r.siigo_product_id, r]));
  const fresh: Snapshot[] = [];
  const changed: Snapshot[] = [];
  let stale = 0;
  for (const snap of snapshots) {
    const row = stored.get(snap.siigoProductId);
    if (!row) fresh.push(snap);
    else if (isStale(snap, row)) stale++;
    else if (
      Number(row.stock) !== snap.stock ||
      row.name !== snap.name ||
      row.code !== snap.code ||
      row.active !== snap.active ||
      !siigo.sameWarehouses(siigo.parseStoredWarehouses(row.warehouses), snap.warehouses)
    )
      changed.push(snap);
  }
  return { fresh, changed, stale };
}

/**
 * Writes SIIGO snapshots to `products`, and one `stock_changes` row per real stock change, safely
 * against concurrent writers (a webhook and a scheduled run on the same product):
 *
 * 1. Compare without locks (most rows are unchanged on most runs; skipping a row that looked
 *    unchanged is safe even if it changes right after: this snapshot then holds the older value).
 * 2. Write the candidates in ONE statement: the UPDATE applies only to the row version that is
 *    still current when it takes the row lock (`old.xmin = p.xmin`; PostgreSQL re-checks the
 *    conditions against the newest version after waiting for a concurrent writer), re-checks
 *    staleness and difference in SQL, and the same statement inserts stock_changes with the
 *    exact old value. Rows a concurrent writer got to first are skipped and re-read in the next
 *    round, so no update is lost and no old value is invented.
 */
export async function applySnapshots(
  db: Sql,
  input: readonly Snapshot[],
  source: StockSource,
  webhookEventId: bigint | null = null,
): Promise<ApplyResult> {
  // Last one wins if SIIGO lists a product twice (its pages can shift while we read them).
  let pending = [...new Map(input.map((s) => [s.siigoProductId, s])).values()];
  const result: ApplyResult = { checked: pending.length, created: 0, updated: 0, stale: 0, events: [] };
  for (let round = 0; pending.length && round < MAX_ROUNDS; round++) {
    const { fresh, changed, stale } = diff(pending, await readRows(db, pending));
    result.stale += stale;
    const retry = new Set<string>();
    if (fresh.length) {
      const created = await insertProducts(db, fresh, source);
      result.created += created.size;
      for (const s of fresh) if (!created.has(s.siigoProductId)) retry.add(s.siigoProductId);
    }
    if (changed.length) {
      const written = await updateProducts(db, changed, source, webhookEventId);
      result.updated += written.length;
      const done = new Set(written.map((w) => w.siigo_product_id));
      for (const s of changed) if (!done.has(s.siigoProductId)) retry.add(s.siigoProductId);
      for (const w of written) {
        if (w.changed_at === null) continue;
        result.events.push({
          productId: w.id.toString(),
          siigoProductId: w.siigo_product_id,
          productName: w.name,
          oldStock: Number(w.old_stock),
          newStock: Number(w.new_stock),
          source,
          timestamp: w.changed_at.toISOString(),
        });
      }
    }
    pending = pending.filter((s) => retry.has(s.siigoProductId));
  }
  // Still contended after every round: the next run (or webhook) compares again.
  result.stale += pending.length;
  return result;
}

/** `= ANY(ARRAY(…))` rather than `IN (SELECT …)`: an index scan, not a scan of the whole table. */
function readRows(db: Sql, snapshots: readonly Snapshot[]): Promise<StoredRow[]> {
  const ids = JSON.stringify(snapshots.map((s) => s.siigoProductId));
  return db.$queryRaw<StoredRow[]>`
    SELECT id, siigo_product_id, code, name, stock, warehouses, active, siigo_updated_at
    FROM products
    WHERE siigo_product_id = ANY(ARRAY(SELECT jsonb_array_elements_text(${ids}::jsonb)))`;
}

/** Inserts new products; returns the ids inserted (a concurrent insert of the same id wins). */
async function insertProducts(db: Sql, fresh: readonly Snapshot[], source: StockSource) {
  const rows = await db.$queryRaw<Array<{ siigo_product_id: string }>>`
    INSERT INTO products (siigo_product_id, code, name, stock, warehouses, active, last_source,
                          last_sync_at, siigo_updated_at, updated_at)
    SELECT x.siigo_product_id, x.code, x.name, x.stock, x.warehouses, x.active, ${source}::text,
           now(), x.siigo_updated_at, now()
    FROM jsonb_to_recordset(${JSON.stringify(fresh.map(rowJson))}::jsonb)
      AS x(siigo_product_id text, code text, name text, stock numeric, warehouses jsonb,
           active boolean, siigo_updated_at timestamptz)
    ON CONFLICT (siigo_product_id) DO NOTHING
    RETURNING siigo_product_id`;
  return new Set(rows.map((r) => r.siigo_product_id));
}

interface WrittenRow {
  id: bigint;
  siigo_product_id: string;
  name: string;
  old_stock: Prisma.Decimal;
  new_stock: Prisma.Decimal;
  /** Set when the stock moved (a stock_changes row was written). */
  changed_at: Date | null;
}

/** Compare-and-write in one statement; returns the rows it changed (see applySnapshots). */
function updateProducts(
  db: Sql,
  changed: readonly Snapshot[],
  source: StockSource,
  webhookEventId: bigint | null,
): Promise<WrittenRow[]> {
  return db.$queryRaw<WrittenRow[]>`
    WITH x AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(changed.map(rowJson))}::jsonb)
        AS x(siigo_product_id text, code text, name text, stock numeric, warehouses jsonb,
             active boolean, siigo_updated_at timestamptz)
    ),
    upd AS (
      UPDATE products p
      SET code = x.code, name = x.name, stock = x.stock, warehouses = x.warehouses, active = x.active,
          last_source = ${source}::text, last_sync_at = now(),
          siigo_updated_at = COALESCE(x.siigo_updated_at, p.siigo_updated_at), updated_at = now()
      FROM x, products old
      WHERE p.siigo_product_id = x.siigo_product_id
        AND old.id = p.id
        AND old.xmin = p.xmin
        AND (x.siigo_updated_at IS NULL OR p.siigo_updated_at IS NULL
             OR x.siigo_updated_at >= p.siigo_updated_at)
        AND (p.stock, p.name, p.code, p.active, p.warehouses)
            IS DISTINCT FROM (x.stock, x.name, x.code, x.active, x.warehouses)
      RETURNING p.id, p.siigo_product_id, p.name, old.stock AS old_stock, p.stock AS new_stock
    ),
    ins AS (
      INSERT INTO stock_changes (product_id, siigo_product_id, old_stock, new_stock, source, webhook_event_id)
      SELECT id, siigo_product_id, old_stock, new_stock, ${source}::text, ${webhookEventId}::bigint
      FROM upd WHERE old_stock <> new_stock
      RETURNING product_id, created_at
    )
    SELECT upd.id, upd.siigo_product_id, upd.name, upd.old_stock, upd.new_stock, ins.created_at AS changed_at
    FROM upd LEFT JOIN ins ON ins.product_id = upd.id`;
}
