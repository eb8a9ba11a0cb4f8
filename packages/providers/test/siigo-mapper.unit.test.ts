import { describe, expect, it } from 'vitest';
import { siigo } from '../src/index.ts';

describe('SIIGO mapper', () => {
  it('reads quantities given as numbers or strings, sorts warehouses, keeps accents', () => {
    const p = siigo.siigoProduct.parse({
      id: 'a1',
      code: 'SKU1',
      name: 'Cafe\u0301 de Nariño', // decomposed é: stored composed (NFC)
      available_quantity: '12,5',
      warehouses: [
        { id: 2, name: 'Bodega Medellín', quantity: '2.5' },
        { id: 1, name: 'Principal', quantity: 10 },
      ],
      metadata: { last_updated: '2026-11-20T10:00:00Z', stock_updated: '2026-11-21T10:00:00Z' },
      extra_field: { kept: true },
    });
    expect(siigo.toProductSnapshot(p)).toEqual({
      siigoProductId: 'a1',
      code: 'SKU1',
      name: 'Café de Nariño',
      stock: 12.5,
      warehouses: [
        { id: '1', name: 'Principal', quantity: 10 },
        { id: '2', name: 'Bodega Medellín', quantity: 2.5 },
      ],
      active: true,
      siigoUpdatedAt: new Date('2026-11-21T10:00:00Z'),
    });
  });

  it('falls back to the warehouse sum when available_quantity is absent, and rejects garbage', () => {
    const p = siigo.siigoProduct.parse({
      id: 'b',
      warehouses: [
        { id: 1, quantity: 3 },
        { id: 2, quantity: 4 },
      ],
    });
    expect(siigo.toProductSnapshot(p).stock).toBe(7);
    expect(siigo.siigoProduct.safeParse({ id: 'c', available_quantity: 'lots' }).success).toBe(false);
  });

  it('compares warehouses whatever their order', () => {
    const a = [
      { id: '1', name: 'A', quantity: 1 },
      { id: '2', name: 'B', quantity: 2 },
    ];
    expect(siigo.sameWarehouses(a, [...a].reverse())).toBe(true);
    expect(siigo.sameWarehouses(a, [{ ...a[0]!, quantity: 2 }, a[1]!])).toBe(false);
    expect(siigo.sameWarehouses(a, a.slice(1))).toBe(false);
  });

  it('accepts GET /v1/webhooks as a plain array or an envelope', () => {
    const sub = { id: 7, url: 'https://x.test/h', topic: 'public.siigoapi.products.update' };
    expect(siigo.siigoSubscriptionList.parse([sub])[0]!.id).toBe('7');
    expect(siigo.siigoSubscriptionList.parse({ results: [sub] })).toHaveLength(1);
  });

  it('knows the three stock topics and nothing else', () => {
    expect(siigo.isStockTopic('public.siigoapi.products.stock.update')).toBe(true);
    expect(siigo.isStockTopic('public.siigoapi.customers.create')).toBe(false);
  });
});
