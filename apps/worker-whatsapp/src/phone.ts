import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export function isCountryCode(code: string): code is CountryCode {
  return isSupportedCountry(code);
}

/**
 * A phone number as E.164, or null when it cannot be one. Numbers without a leading "+" are
 * read in `defaultCountry` first and then as international digits (Meta's display_phone_number
 * is digits with the country code but no "+", e.g. "15550001234"). A number libphonenumber
 * knows to be valid wins; otherwise one of possible length is accepted, because Meta's test
 * numbers (+1 555 …) are outside the ranges its metadata calls valid.
 */
export function toE164(raw: string, defaultCountry: CountryCode): string | null {
  const text = raw.trim();
  if (!/\d/.test(text)) return null;
  const candidates = text.startsWith('+')
    ? [parsePhoneNumberFromString(text)]
    : [
        parsePhoneNumberFromString(text, defaultCountry),
        parsePhoneNumberFromString(`+${text.replace(/\D/g, '')}`),
      ];
  const parsed = candidates.filter((p) => p !== undefined);
  const best = parsed.find((p) => p.isValid()) ?? parsed.find((p) => p.isPossible());
  return best ? best.number : null;
}
