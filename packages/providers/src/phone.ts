import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * A phone number in E.164 (`+573001234567`), or null when it is not a valid number. A number
 * written with `+` or `00` is international; one without is read in each of `countries` in turn
 * (e.g. the record's own country, then the configured default), the first valid reading winning.
 * Providers that deliver to a phone (CallBell, WhatsApp) need the country code: national digits
 * alone reach no one.
 */
export function toE164(
  raw: string | null | undefined,
  countries: ReadonlyArray<string | null | undefined>,
): string | null {
  const text = raw?.normalize('NFC').replace(/\s+/gu, ' ').trim();
  if (!text) return null;
  const normalised = text.replace(/^00(?=[1-9])/, '+');
  if (normalised.startsWith('+')) {
    const p = parsePhoneNumberFromString(normalised);
    return p?.isValid() ? p.number : null;
  }
  for (const c of countries) {
    const country = c && /^[A-Za-z]{2}$/.test(c) ? (c.toUpperCase() as CountryCode) : undefined;
    if (!country) continue;
    const p = parsePhoneNumberFromString(normalised, country);
    if (p?.isValid()) return p.number;
  }
  return null;
}
