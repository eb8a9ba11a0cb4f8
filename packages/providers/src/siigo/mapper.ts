import { z } from 'zod';

/** Topics Cauce subscribes to and processes; anything else is stored, acknowledged and ignored. */
export const SIIGO_TOPICS = {
  stockUpdate: 'public.siigoapi.products.stock.update',
  productUpdate: 'public.siigoapi.products.update',
  productCreate: 'public.siigoapi.products.create',
} as const;
export const SIIGO_STOCK_TOPICS: readonly string[] = Object.values(SIIGO_TOPICS);

export function isStockTopic(topic: string): boolean {
  return SIIGO_STOCK_TOPICS.includes(topic);
}

/** Some SIIGO docs type quantities as strings; accept both and never produce NaN. */
const quantity = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : Number(v.trim().replace(',', '.'));
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `not a number: ${String(v)}` });
    return z.NEVER;
  }
  return n;
});

export const siigoWarehouse = z.looseObject({
  id: z.union([z.number(), z.string()]),
  name: z.string().nullish(),
  quantity: quantity.nullish(),
});

/** The product fields Cauce reads; unknown fields pass through untouched. */
export const siigoProduct = z.looseObject({
  id: z.string().min(1),
  code: z.string().nullish(),
  name: z.string().nullish(),
  active: z.boolean().nullish(),
  stock_control: z.boolean().nullish(),
  available_quantity: quantity.nullish(),
  warehouses: z.array(siigoWarehouse).nullish(),
  metadata: z
    .looseObject({
      created: z.string().nullish(),
      last_updated: z.string().nullish(),
      stock_updated: z.string().nullish(),
    })
    .nullish(),
});
export type SiigoProduct = z.infer<typeof siigoProduct>;

/** The page envelope; products are validated one by one so one odd product cannot sink a page. */
export const siigoProductsEnvelope = z.looseObject({
  pagination: z.looseObject({
    page: z.coerce.number().int(),
    page_size: z.coerce.number().int(),
    total_results: z.coerce.number().int(),
  }),
  results: z.array(z.unknown()),
});

export interface SiigoProductsPage {
  pagination: { page: number; page_size: number; total_results: number };
  results: SiigoProduct[];
  /** Products SIIGO listed that do not parse (reported, skipped). */
  invalid: Array<{ id: string | null; issues: string[] }>;
}

export const siigoSubscription = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  application_id: z.string().nullish(),
  url: z.string(),
  topic: z.string(),
  company_key: z.string().nullish(),
  active: z.boolean().nullish(),
  created_at: z.string().nullish(),
});
export type SiigoSubscription = z.infer<typeof siigoSubscription>;

/** GET /v1/webhooks is a plain array in some clients and an envelope in others: accept both. */
export const siigoSubscriptionList = z
  .union([z.array(siigoSubscription), z.looseObject({ results: z.array(siigoSubscription) })])
  .transform((v) => (Array.isArray(v) ? v : v.results));

export interface WarehouseStock {
  id: string;
  name: string;
  quantity: number;
}

/** The row Cauce keeps for a SIIGO product. */
export interface ProductSnapshot {
  siigoProductId: string;
  code: string | null;
  name: string;
  stock: number;
  warehouses: WarehouseStock[];
  active: boolean;
  /** SIIGO's latest of metadata.stock_updated / last_updated (null when absent). */
  siigoUpdatedAt: Date | null;
}

/** Quantities are NUMERIC(18,4) in PostgreSQL; round the same way so comparisons agree. */
export function roundQuantity(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

export function toProductSnapshot(p: SiigoProduct): ProductSnapshot {
  const warehouses = (p.warehouses ?? [])
    .map((w) => ({ id: String(w.id), name: w.name ?? '', quantity: roundQuantity(w.quantity ?? 0) }))
    .sort((a, b) => a.id.localeCompare(b.id));
  // available_quantity is SIIGO's total; fall back to the warehouse sum when it is absent.
  const total =
    p.available_quantity ?? (warehouses.length ? warehouses.reduce((a, w) => a + w.quantity, 0) : 0);
  return {
    siigoProductId: p.id,
    code: p.code ?? null,
    name: (p.name ?? p.code ?? p.id).normalize('NFC'),
    stock: roundQuantity(total),
    warehouses,
    active: p.active ?? true,
    siigoUpdatedAt: latestStamp(p.metadata?.stock_updated, p.metadata?.last_updated),
  };
}

function latestStamp(...values: Array<string | null | undefined>): Date | null {
  const times = values.map((v) => (v ? Date.parse(v) : Number.NaN)).filter((t) => Number.isFinite(t));
  return times.length ? new Date(Math.max(...times)) : null;
}

/** Same warehouses with the same quantities, whatever their order. */
export function sameWarehouses(a: readonly WarehouseStock[], b: readonly WarehouseStock[]): boolean {
  if (a.length !== b.length) return false;
  const byId = new Map(a.map((w) => [w.id, w]));
  return b.every((w) => {
    const o = byId.get(w.id);
    return o !== undefined && roundQuantity(o.quantity) === roundQuantity(w.quantity) && o.name === w.name;
  });
}

/** Reads warehouses stored as JSON back into the typed shape (tolerates old or odd rows). */
export function parseStoredWarehouses(value: unknown): WarehouseStock[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((w): w is Record<string, unknown> => typeof w === 'object' && w !== null)
    .map((w) => ({ id: String(w.id), name: String(w.name ?? ''), quantity: Number(w.quantity ?? 0) }));
}

/** A stock change as streamed to browsers (the source document's field names). */
export interface StockEvent {
  productId: string;
  siigoProductId: string;
  productName: string;
  oldStock: number | null;
  newStock: number;
  source: 'webhook' | 'scheduled_sync';
  timestamp: string;
}

/**
 * Redis keys worker-stock writes and the ingress reads, under the deployment's queue prefix:
 * the event stream (replay by id), its live pub/sub channel, the sync lock and the last success.
 */
export function stockRedisKeys(prefix: string) {
  return {
    eventStream: `${prefix}:stock:events`,
    eventChannel: `${prefix}:stock:events:live`,
    syncLock: `${prefix}:siigo:sync:lock`,
    lastSyncSuccess: `${prefix}:siigo:sync:last-success`,
  };
}
