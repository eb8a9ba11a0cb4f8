import { describe, expect, it } from 'vitest';
import { formatter, pickLocale } from '../src/format.ts';

/** The operators' formats (es-CO by default): money `$ 159.900`, dates dd/mm/yyyy, their time zone. */
describe('console formats', () => {
  const f = formatter('es-CO', 'America/Bogota');

  it('writes Colombian pesos with a dot for thousands and no decimals', () => {
    // Intl puts a no-break space between the sign and the amount.
    expect(f.money(159_900)).toBe('$\u00a0159.900');
    expect(f.money(1_234_567.6)).toBe('$\u00a01.234.568');
    expect(f.money(null)).toBe('—');
    expect(f.number(12_345)).toBe('12.345');
  });

  it('writes dates as dd/mm/yyyy and times in the given time zone', () => {
    // 02:30 UTC on 3 December is still 2 December in Bogotá (UTC-5).
    expect(f.date('2026-12-03T02:30:00Z')).toBe('02/12/2026');
    expect(f.dateTime('2026-12-03T02:30:05Z')).toBe('02/12/2026 21:30:05');
    expect(formatter('es-CO', 'Europe/Madrid').time('2026-12-03T02:30:05Z')).toBe('03:30:05');
  });

  it('picks the browser regional locale, else es-CO', () => {
    expect(pickLocale(['es-MX', 'en'])).toBe('es-MX');
    expect(pickLocale(['es', 'en'])).toBe('es-CO');
    expect(pickLocale([])).toBe('es-CO');
  });

  it('writes durations briefly', () => {
    expect(f.duration(45_000)).toBe('45 s');
    expect(f.duration(3 * 60_000)).toBe('3 min');
    expect(f.duration(125 * 60_000)).toBe('2 h 5 min');
  });
});
