/**
 * What viewers see of job data, job results and stored webhook payloads: contact data and
 * credentials are masked, everything else is kept so the data still helps to debug.
 *
 * - a key whose name looks secret (token, password, secret, api key, signature, cookie, …) or
 *   names contact data (email, phone, mobile, …) has its whole value replaced;
 * - inside any other string, e-mail addresses, international (+57 …) or grouped (316 111 1111)
 *   phone numbers, JWTs, Bearer/Basic credentials and long mixed-case key-like strings are masked.
 *
 * Bare digit runs are left alone outside phone-named keys: they are usually booking or order ids.
 * Webhook path tokens and secret query values in URLs are masked by the runtime's `redactUrl`
 * (the one definition of what a secret URL part is, shared with the logs).
 */

import { JWT_SHAPE, redactUrl } from '@cauce/runtime';

export const REDACTED = '[redacted]';
export const EMAIL_MASK = '[email]';
export const PHONE_MASK = '[phone]';
export const TOKEN_MASK = '[token]';

/** Substrings of a key name (lower-cased, separators removed) whose value is a credential. */
const SECRET_KEY_PARTS = [
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'authorization',
  'signature',
  'cookie',
  'credential',
  'privatekey',
  'sessionid',
  'jwt',
];
/** Substrings of a key name whose value is contact data. */
const CONTACT_KEY_PARTS = ['email', 'phone', 'mobile', 'telefono', 'celular', 'msisdn'];

const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9-]+(?:\.[A-Z0-9-]+)*\.[A-Z]{2,}/gi;
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[\w\-.~+/]+=*/gi;
/** +57 316 111 1111, +1 (555) 010-9999, +573161111111: a plus, then 7 to 15 digits. */
const INTL_PHONE = /\+\d(?:[\s().-]{0,2}\d){6,14}/g;
/** 316 111 1111, (316) 111-1111, 316.111.1111. */
const GROUPED_PHONE = /(?<![\w-])\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?![\w-])/g;
/** Long key-like strings: 32+ characters mixing upper case, lower case and digits (API keys, secrets). */
const KEY_LIKE = /\b[A-Za-z0-9][A-Za-z0-9_-]{30,}[A-Za-z0-9]\b/g;

const MAX_DEPTH = 40;

const normaliseKey = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

export function isSecretKey(key: string): boolean {
  const k = normaliseKey(key);
  return SECRET_KEY_PARTS.some((p) => k.includes(p));
}

export function isContactKey(key: string): boolean {
  const k = normaliseKey(key);
  return CONTACT_KEY_PARTS.some((p) => k.includes(p));
}

const mixedCase = (s: string) => /[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s);

/** Masks contact data and credentials inside free text. */
export function redactString(s: string): string {
  return redactUrl(s)
    .replace(JWT_SHAPE, TOKEN_MASK)
    .replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${TOKEN_MASK}`)
    .replace(EMAIL, EMAIL_MASK)
    .replace(INTL_PHONE, PHONE_MASK)
    .replace(GROUPED_PHONE, PHONE_MASK)
    .replace(KEY_LIKE, (m) => (mixedCase(m) ? TOKEN_MASK : m));
}

/** A redacted deep copy of JSON-like data (the input is never modified). */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && v !== undefined && v !== '' && (isSecretKey(k) || isContactKey(k))) out[k] = REDACTED;
    else out[k] = redact(v, depth + 1);
  }
  return out;
}
