/**
 * Secrets never leave the process (docs/operations-admin.md, "Security model"). Two rules, applied
 * to every log line (logger.ts), every dead letter (dead-letter.ts) and every URL shown to a user:
 *
 * - by shape: the token segment of a webhook path (/api/webhooks/siigo/<token>, …) and the value
 *   of a secret-looking query parameter (?token=, ?api_key=, …) are replaced, whoever sent them;
 * - by value: every configured secret (the app's own config, see `secretValues`) is replaced
 *   wherever it appears, plain, URL-encoded, JSON-escaped, base64 or base64url.
 */

export const SECRET_MASK = '[redacted]';

/**
 * Variable names whose values are credentials. Public keys (GHL_WEBHOOK_PUBLIC_KEYS), ids and
 * durations (…_TOKEN_REFRESH_MARGIN_MS) do not end like this.
 */
const SECRET_NAME =
  /(^|_)(TOKEN|SECRET|SECRETS|SECRET_KEY|PASSWORD|ACCESS_KEY|API_KEY|API_KEYS|CLIENT_ID|USERNAME|COMPANY_KEY)$/;
/** Shorter values are not scrubbed by value: masking every "abc" would mangle the logs, and such a value is no secret. */
const MIN_SECRET_LENGTH = 6;

export const isSecretVariable = (name: string) => SECRET_NAME.test(name);

/**
 * The secret values of a parsed config: every variable named like a credential (strings and lists)
 * and the password of every URL-valued variable (DATABASE_URL, REDIS_URL, …).
 */
export function secretValues(config: Readonly<Record<string, unknown>>): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.length >= MIN_SECRET_LENGTH) out.add(v);
  };
  for (const [name, value] of Object.entries(config)) {
    if (isSecretVariable(name)) {
      if (Array.isArray(value)) value.forEach(add);
      else add(value);
    } else if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value)) {
      try {
        add(decodeURIComponent(new URL(value).password));
      } catch {
        // not a URL after all
      }
    }
  }
  return [...out];
}

/** The forms a secret takes on the wire and in logs. */
export function secretForms(secret: string): string[] {
  const buf = Buffer.from(secret, 'utf8');
  return [
    ...new Set([
      secret,
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
      buf.toString('base64'),
      buf.toString('base64').replace(/=+$/, ''),
      buf.toString('base64url'),
    ]),
  ];
}

/** Webhook routes whose last path segment is the secret token (the ingress's :token routes). */
const TOKEN_PATH = /(\/api\/webhooks\/(?:siigo|beds24|manychat|receive)\/)[^/?#\s"'\\]+/gi;
/** Query parameters whose value is a credential, whatever the host. */
const SECRET_QUERY =
  /([?&][^=&#\s"'\\]*(?:token|secret|key|signature|password|passwd|auth|jwt|credential)[^=&#\s"'\\]*=)[^&#\s"'\\]*/gi;

/** A URL, path or any text with webhook path tokens and secret query values masked. */
export function redactUrl(text: string): string {
  return text.replace(TOKEN_PATH, `$1${SECRET_MASK}`).replace(SECRET_QUERY, `$1${SECRET_MASK}`);
}

/** A JWT (header.payload.signature, base64url, the header starting `{"`): ours or anyone's. */
export const JWT_SHAPE = /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `redactUrl`, JWTs, and every form of the given secrets replaced: the last guard before text
 * leaves the process.
 */
export function createScrubber(secrets: readonly string[]): (text: string) => string {
  const forms = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(secretForms))];
  const shapes = (text: string) => redactUrl(text).replace(JWT_SHAPE, SECRET_MASK);
  if (!forms.length) return shapes;
  // Longest first, so a secret containing another is masked whole.
  const re = new RegExp(
    forms
      .sort((a, b) => b.length - a.length)
      .map(escapeRe)
      .join('|'),
    'g',
  );
  return (text) => shapes(text).replace(re, SECRET_MASK);
}
