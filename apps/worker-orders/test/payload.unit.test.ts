import { bigin, callbell } from '@cauce/providers';
import { describe, expect, it } from 'vitest';

describe('Robot API payload and confirmation text', () => {
  const order = {
    id: 42,
    customerName: 'Ana María Pérez',
    phone: '+573001112233',
    email: null,
    address: 'Calle 10 # 5-20',
    city: 'Cali',
    department: 'Valle del Cauca',
    price: '159900.00',
  };

  it('builds the document payload, closingDate dd/mm/yyyy in Colombia time', () => {
    // 03:00 UTC on 2 March is still 1 March in Bogotá (UTC-5).
    const p = bigin.toRobotPayload(order, {
      subPipeline: 'Ventas Somnio Standard',
      stage: 'Nuevo Ingreso',
      now: new Date('2026-03-02T03:00:00Z'),
    });
    expect(p).toEqual({
      ordenName: 'Orden #42 - Ana María Pérez',
      contactName: 'Ana María Pérez',
      subPipeline: 'Ventas Somnio Standard',
      stage: 'Nuevo Ingreso',
      closingDate: '01/03/2026',
      amount: 159900,
      telefono: '+573001112233',
      direccion: 'Calle 10 # 5-20',
      municipio: 'Cali',
      departamento: 'Valle del Cauca',
      email: '',
      description: 'WPP',
    });
  });

  it('formats COP the es-CO way and puts number, total and address in the message', () => {
    // COP has no cents in es-CO: Intl rounds to whole pesos, as the source workflow's text did.
    expect(callbell.formatCop('159900')).toMatch(/^\$\s159\.900$/);
    expect(callbell.formatCop(1250000.4)).toMatch(/^\$\s1\.250\.000$/);
    const text = callbell.orderConfirmationText(order);
    expect(text).toContain('#42');
    expect(text).toContain(callbell.formatCop(159900));
    expect(text).toContain('Calle 10 # 5-20, Cali');
  });
});
