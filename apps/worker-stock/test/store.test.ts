import { createDb } from '@cauce/db';
import type { siigo } from '@cauce/providers';
import { setupTestEnv } from '@cauce/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { applySnapshots } from '../src/store.ts';

const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 20 });
afterAll(() => db.$disconnect());

const T0 = Date.parse('2026-11-24T03:00:00.000Z');
const snap = (id: string, stock: number, atMs: number | null): siigo.ProductSnapshot => ({
  siigoProductId: id,
  code: 'SKU-X',
  name: 'Arequipe añejo 250 g',
  stock,
  warehouses: [{ id: '1', name: 'Bodega Principal', quantity: stock }],
  active: true,
  siigoUpdatedAt: atMs === null ? null : new Date(atMs),
});

describe('applySnapshots (compare and write under a row lock)', () => {
  it('an older snapshot never overwrites a newer one and writes no change', async () => {
    await applySnapshots(db, [snap('p-stale', 3, T0)], 'scheduled_sync');
    const fromWebhook = await applySnapshots(db, [snap('p-stale', 10, T0 + 2000)], 'webhook');
    expect(fromWebhook.events.map((e) => [e.oldStock, e.newStock])).toEqual([[3, 10]]);
    // A scheduled page read before the webhook's change arrives after it.
    const late = await applySnapshots(db, [snap('p-stale', 5, T0 + 1000)], 'scheduled_sync');
    expect(late).toMatchObject({ stale: 1, updated: 0, events: [] });
    const row = await db.product.findUniqueOrThrow({ where: { siigoProductId: 'p-stale' } });
    expect(Number(row.stock)).toBe(10);
    expect(await db.stockChange.count({ where: { siigoProductId: 'p-stale' } })).toBe(1);
  });

  it('concurrent webhook and scheduled writes serialise into one consistent chain of changes', async () => {
    for (const id of ['p-race-1', 'p-race-2', 'p-race-3']) {
      await applySnapshots(db, [snap(id, 0, T0)], 'scheduled_sync');
      const versions = Array.from({ length: 20 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
      await Promise.all(
        versions.map((v) =>
          applySnapshots(db, [snap(id, v, T0 + v * 10)], v % 2 ? 'webhook' : 'scheduled_sync'),
        ),
      );
      const row = await db.product.findUniqueOrThrow({ where: { siigoProductId: id } });
      expect(Number(row.stock)).toBe(20); // the newest SIIGO version wins
      const chain = await db.stockChange.findMany({ where: { siigoProductId: id }, orderBy: { id: 'asc' } });
      expect(chain.length).toBeGreaterThan(0);
      expect(Number(chain[0]!.oldStock)).toBe(0);
      expect(Number(chain.at(-1)!.newStock)).toBe(20);
      for (let i = 1; i < chain.length; i++) {
        // No lost update: each change starts where the previous one ended, and only moves forward.
        expect(Number(chain[i]!.oldStock)).toBe(Number(chain[i - 1]!.newStock));
        expect(Number(chain[i]!.newStock)).toBeGreaterThan(Number(chain[i]!.oldStock));
      }
    }
  });

  it('the same value again is not a change; a warehouse move with the same total updates the row only', async () => {
    await applySnapshots(db, [snap('p-same', 8, null)], 'scheduled_sync');
    expect((await applySnapshots(db, [snap('p-same', 8, null)], 'webhook')).updated).toBe(0);
    const moved = {
      ...snap('p-same', 8, null),
      warehouses: [
        { id: '1', name: 'Bodega Principal', quantity: 5 },
        { id: '2', name: 'Bodega Medellín', quantity: 3 },
      ],
    };
    const res = await applySnapshots(db, [moved], 'scheduled_sync');
    expect(res).toMatchObject({ updated: 1, events: [] });
    const row = await db.product.findUniqueOrThrow({ where: { siigoProductId: 'p-same' } });
    expect(row.warehouses).toEqual(moved.warehouses);
    expect(await db.stockChange.count({ where: { siigoProductId: 'p-same' } })).toBe(0);
  });
});
