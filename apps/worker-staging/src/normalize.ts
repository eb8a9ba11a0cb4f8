import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

// Unicode spaces (NBSP, zero-width, ideographic, …) that copy-pasted identifiers carry.
const UNICODE_SPACE = /[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+/g;

/**
 * Trimmed, lowercase, no Unicode whitespace. Nothing else: dots and +tags in the local part stay,
 * because the provider does not treat those addresses as equal.
 */
export function normalizeEmail(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const e = raw.replace(UNICODE_SPACE, '').toLowerCase();
  return /^[^@]+@[^@]+\.[^@]+$/.test(e) ? e : null;
}

/** E.164 with libphonenumber-js, or null when the number is not valid. */
export function normalizePhone(raw: unknown, region: string): string | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const s = String(raw).replace(UNICODE_SPACE, '');
  if (!s) return null;
  const p = parsePhoneNumberFromString(s, region as CountryCode);
  return p?.isValid() ? p.number : null;
}
