import { describe, expect, it } from 'vitest';
import { toE164 } from '../src/phone.ts';

/** The one phone reading (staging, CSV, Beds24, CallBell, WhatsApp): the same number gives the same E.164. */
describe('toE164', () => {
  it.each([
    ['+57 300 123 4567', '+573001234567'],
    ['300 123 4567', '+573001234567'],
    ['(300) 123-4567', '+573001234567'],
    ['300-123-4567', '+573001234567'],
    ['573001234567', '+573001234567'], // country code without "+" (Meta's display_phone_number)
    ['0057 300 123 4567', '+573001234567'],
    ['\u00a0+57\u00a0300\u200b1234567 ', '+573001234567'], // copy-pasted: NBSP, zero-width space
    [3001234567, '+573001234567'], // a spreadsheet cell read as a number
    ['+34 612 34 56 78', '+34612345678'],
    ['+1 (202) 555-0143', '+12025550143'],
  ])('%j -> %s', (raw, e164) => {
    expect(toE164(raw, ['CO'])).toBe(e164);
  });

  it('reads national numbers in each country in turn, the first valid reading winning', () => {
    expect(toE164('612 34 56 78', ['ES'])).toBe('+34612345678');
    expect(toE164('612 34 56 78', [null, 'xx', 'ES', 'CO'])).toBe('+34612345678');
    expect(toE164('300 123 4567', ['ES', 'CO'])).toBe('+573001234567');
    expect(toE164('300 123 4567', [])).toBeNull(); // no country to read it in
  });

  it('never reads ten digits or fewer as international digits', () => {
    // Invalid in Colombia; "+2025550143" would be an Egyptian reading.
    expect(toE164('2025550143', ['CO'])).toBeNull();
    expect(toE164('2025550143', ['US'])).toBe('+12025550143');
  });

  it('accepts a merely possible number only when asked (Meta test numbers, for the WhatsApp registry)', () => {
    expect(toE164('+1 555-000-1234', ['CO'])).toBeNull();
    expect(toE164('+1 555-000-1234', ['CO'], { acceptPossible: true })).toBe('+15550001234');
    expect(toE164('(555) 000-1234', ['US'], { acceptPossible: true })).toBe('+15550001234');
  });

  it.each(['', 'n/a', '12', '+57 1', null, undefined, {}, ['3001234567']])('rejects %j', (raw) => {
    expect(toE164(raw, ['CO'])).toBeNull();
    expect(toE164(raw, ['CO'], { acceptPossible: true })).toBeNull();
  });
});
