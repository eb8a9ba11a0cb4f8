import { describe, expect, it } from 'vitest';
import { toE164 } from '../src/phone.ts';

describe('toE164', () => {
  it.each([
    ['+57 300 123 4567', '+573001234567'],
    ['300 123 4567', '+573001234567'],
    ['(300) 123-4567', '+573001234567'],
    ['573001234567', '+573001234567'], // Meta's display_phone_number: country code, no "+"
    ['+1 555-000-1234', '+15550001234'], // a Meta test number: possible, not "valid"
    ['+1 (555) 000 1234', '+15550001234'],
    ['+34 612 34 56 78', '+34612345678'],
  ])('%s -> %s', (raw, e164) => {
    expect(toE164(raw, 'CO')).toBe(e164);
  });

  it('reads national numbers in the configured default country', () => {
    expect(toE164('612 34 56 78', 'ES')).toBe('+34612345678');
    expect(toE164('(555) 000-1234', 'US')).toBe('+15550001234');
  });

  it.each(['', 'n/a', '12', '+57 1'])('rejects %j', (raw) => {
    expect(toE164(raw, 'CO')).toBeNull();
  });
});
