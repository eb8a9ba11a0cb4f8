import { stripe, toE164 } from '@cauce/providers';
import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../src/normalize.ts';

describe('identifier normalisation', () => {
  it('trims Unicode whitespace and lowercases emails, but keeps dots and +tags', () => {
    expect(normalizeEmail('\u00a0 John.Doe+promo@Example.COM\u200b ')).toBe('john.doe+promo@example.com');
    expect(normalizeEmail('johndoe@example.com')).not.toBe(normalizeEmail('john.doe@example.com'));
    expect(normalizeEmail('not an email')).toBeNull();
    expect(normalizeEmail(42)).toBeNull();
  });

  it('formats phones as E.164, national numbers in the default region', () => {
    expect(toE164('300 123 4567', ['CO'])).toBe('+573001234567');
    expect(toE164('+1 (202) 555-0143', ['CO'])).toBe('+12025550143');
    expect(toE164('12', ['CO'])).toBeNull();
  });

  it('turns Stripe minor units into exact decimals', () => {
    expect(stripe.fromMinor(125050, 'cop')).toBe('1250.50');
    expect(stripe.fromMinor(5, 'usd')).toBe('0.05');
    expect(stripe.fromMinor(-990, 'usd')).toBe('-9.90');
    expect(stripe.fromMinor(5000, 'jpy')).toBe('5000');
    expect(stripe.fromMinor(1.5, 'usd')).toBeNull();
  });
});
