/**
 * What viewers see of every admin API answer and Bull Board API answer (applied to the whole
 * response by plugins/viewer-view.ts): contact data and credentials are masked, everything else
 * is kept so the data still helps to debug.
 *
 * - a key whose name looks secret (token, password, secret, api key, signature, cookie, …) or
 *   names contact data (email, phone, mobile, address, dirección, …) has its whole value replaced;
 * - a row that names a contact field in `field` (a merge conflict: field "email", existingValue,
 *   incomingValue) has the values of its `…value` keys replaced;
 * - a recipient key (`to`, `recipient`, …) whose value is wholly a phone number is replaced;
 * - inside any other string, e-mail addresses, international (+57 …), grouped (316 111 1111) or
 *   Colombian mobile (3161111111) phone numbers, Colombian street addresses (Calle 45 # 12-34), the text after an address
 *   label ("Dirección de entrega: …"), JWTs, Bearer/Basic credentials and long mixed-case
 *   key-like strings are masked.
 *
 * Other bare digit runs are left alone: they are usually booking or order ids. Webhook path tokens
 * and secret query values in URLs are masked by the runtime's `redactUrl` (the one definition of
 * what a secret URL part is, shared with the logs).
 */

import { JWT_SHAPE, redactUrl } from '@cauce/runtime';

export const REDACTED = '[redacted]';
export const EMAIL_MASK = '[email]';
export const PHONE_MASK = '[phone]';
export const TOKEN_MASK = '[token]';
export const ADDRESS_MASK = '[address]';

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
const CONTACT_KEY_PARTS = [
  'email',
  'phone',
  'mobile',
  'telefono',
  'celular',
  'msisdn',
  'address',
  'direccion',
  'street',
];
/** Keys (normalised, whole name) that hold a message's recipient: masked when the value is a phone number. */
const RECIPIENT_KEYS = new Set(['to', 'from', 'recipient', 'destination', 'waid', 'number']);

const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9-]+(?:\.[A-Z0-9-]+)*\.[A-Z]{2,}/gi;
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[\w\-.~+/]+=*/gi;
/** +57 316 111 1111, +1 (555) 010-9999, +573161111111: a plus, then 7 to 15 digits. */
const INTL_PHONE = /\+\d(?:[\s().-]{0,2}\d){6,14}/g;
/** 316 111 1111, (316) 111-1111, 316.111.1111. */
const GROUPED_PHONE = /(?<![\w-])\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?![\w-])/g;
/** 3161111111 / 573161111111: a Colombian mobile written without separators (always 3 and 9 digits). */
const CO_MOBILE = /(?<![\w+])(?:57)?3\d{9}(?!\w)/g;
/** Calle 45 # 12-34, Cra. 7 No. 45-12, Av 68 #1-2: the street grammar of Colombian addresses. */
const STREET_ADDRESS =
  /\b(?:calle|cll|cl|carrera|cra|kra|kr|cr|avenida|avda|av|diagonal|dg|transversal|tv|autopista)\.?\s*\d+\s*[a-z]?(?:\s*bis)?\s*(?:#|no\.?|n[°º])\s*\d+\s*[a-z]?\s*-\s*\d+/gi;
/** "Dirección de entrega: …" / "Address: …": the rest of the sentence is an address. */
const ADDRESS_LABEL =
  /\b(direcci[oó]n(?:\s+de\s+entrega)?|address)(\s*:\s*)[^\n]+?(?=\.\s+[¡¿A-ZÁÉÍÓÚÑ]|\.?\s*$|\n)/giu;
/** A value that is a phone number and nothing else (7 to 15 digits), but not a date. */
const WHOLE_PHONE = /^\+?\d[\d\s().-]{5,22}\d$/;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;
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

const isWholePhone = (v: unknown): boolean => {
  if (typeof v !== 'string' && typeof v !== 'number') return false;
  const s = String(v).trim();
  const digits = s.replace(/\D/g, '').length;
  return WHOLE_PHONE.test(s) && !DATE_LIKE.test(s) && digits >= 7 && digits <= 15;
};

const mixedCase = (s: string) => /[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s);

/** Masks contact data and credentials inside free text. */
export function redactString(s: string): string {
  return redactUrl(s)
    .replace(JWT_SHAPE, TOKEN_MASK)
    .replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${TOKEN_MASK}`)
    .replace(EMAIL, EMAIL_MASK)
    .replace(ADDRESS_LABEL, (_m, label: string, sep: string) => `${label}${sep}${ADDRESS_MASK}`)
    .replace(STREET_ADDRESS, ADDRESS_MASK)
    .replace(INTL_PHONE, PHONE_MASK)
    .replace(GROUPED_PHONE, PHONE_MASK)
    .replace(CO_MOBILE, PHONE_MASK)
    .replace(KEY_LIKE, (m) => (mixedCase(m) ? TOKEN_MASK : m));
}

/** A redacted deep copy of JSON-like data (the input is never modified). */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Date) return value;
  // Prisma's Decimal (and anything else with toJSON) is redacted as what it serialises to.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return redact(toJSON.call(value), depth + 1);
  const entries = Object.entries(value);
  const namesContactField = entries.some(
    ([k, v]) => k === 'field' && typeof v === 'string' && isContactKey(v),
  );
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const present = v !== null && v !== undefined && v !== '';
    const hide =
      present &&
      (isSecretKey(k) ||
        isContactKey(k) ||
        (namesContactField && /value$/i.test(k)) ||
        (RECIPIENT_KEYS.has(normaliseKey(k)) && isWholePhone(v)));
    out[k] = hide ? REDACTED : redact(v, depth + 1);
  }
  return out;
}
