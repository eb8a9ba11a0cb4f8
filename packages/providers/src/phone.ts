import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type { CountryCode };

/**
 * The one reading of a phone number in Cauce (staging and unify, CSV imports, Beds24 guests,
 * CallBell recipients, the WhatsApp registry), with the full metadata set, so one number gives
 * the same E.164 everywhere and two sources of the same person meet on it.
 */

/** Unicode spaces (NBSP, zero-width, ideographic, …) that copy-pasted identifiers carry. */
export const UNICODE_SPACE = /[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+/g;

export function isCountryCode(code: string): code is CountryCode {
  return isSupportedCountry(code);
}

export interface PhoneReadingOptions {
  /**
   * Also accept a number of possible length that the metadata does not call valid. Meta's test
   * numbers (+1 555 …) are outside the ranges it calls valid; the WhatsApp registry needs them.
   * Off where a number is a merge key or a delivery address.
   */
  acceptPossible?: boolean;
}

type Parsed = NonNullable<ReturnType<typeof parsePhoneNumberFromString>>;

/**
 * A phone number in E.164 (`+573001234567`), or null when it cannot be read as one.
 * - `+` or `00` in front: international.
 * - Otherwise read in each of `countries` in turn (the record's own country, then the configured
 *   default), the first valid reading winning; then, for 11 to 15 bare digits, as international
 *   digits without the `+` (`573001234567`, Meta's `display_phone_number`). Ten digits or fewer
 *   are never read that way: `2025550143` is a national number, not Egypt's +20.
 * National digits alone reach no one, so a number with no valid reading is null, never guessed.
 */
export function toE164(
  raw: unknown,
  countries: ReadonlyArray<string | null | undefined>,
  opts: PhoneReadingOptions = {},
): string | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const text = String(raw)
    .normalize('NFC')
    .replace(UNICODE_SPACE, '')
    .replace(/^00(?=[1-9])/, '+');
  if (!/\d/.test(text)) return null;
  const readings: Parsed[] = [];
  const read = (value: string, country?: CountryCode) => {
    const p = parsePhoneNumberFromString(value, country);
    if (p) readings.push(p);
  };
  if (text.startsWith('+')) read(text);
  else {
    for (const c of countries) {
      const code = c?.toUpperCase();
      if (code && /^[A-Z]{2}$/.test(code) && isCountryCode(code)) read(text, code);
    }
    const digits = text.replace(/\D/g, '');
    if (/^\d{11,15}$/.test(digits) && /^[\d\s().+-]+$/.test(text)) read(`+${digits}`);
  }
  const best =
    readings.find((p) => p.isValid()) ??
    (opts.acceptPossible ? readings.find((p) => p.isPossible()) : undefined);
  return best ? best.number : null;
}
