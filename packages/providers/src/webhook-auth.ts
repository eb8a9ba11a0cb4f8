import { hash, timingSafeEqual } from 'node:crypto';

/** The outcome of checking one inbound webhook's signature or token. */
export type WebhookAuthResult =
  | { ok: true }
  /** `retryable`: the check could not run (e.g. a certificate download failed), not a bad signature. */
  | { ok: false; reason: string; retryable?: boolean };

export const authOk: WebhookAuthResult = { ok: true };
export const authFail = (reason: string): WebhookAuthResult => ({ ok: false, reason });

const digest = (s: string | Buffer) => hash('sha256', s, 'buffer');

/** Digests of the configured secrets (a handful per process), so a request hashes only its own side. */
const expectedDigests = new Map<string, Buffer>();
function expectedDigest(secret: string): Buffer {
  let d = expectedDigests.get(secret);
  if (!d) {
    d = digest(secret);
    if (expectedDigests.size < 64) expectedDigests.set(secret, d);
  }
  return d;
}

/**
 * Constant-time equality of two secrets of any length: both sides are hashed first, so neither
 * the comparison time nor an early length check reveals anything about the expected value.
 */
export function secretEquals(given: string | undefined | null, expected: string): boolean {
  if (given === undefined || given === null) return false;
  return timingSafeEqual(digest(given), expectedDigest(expected));
}

/** True when `given` equals any of `expected`, checking all of them (no early exit). */
export function secretMatchesAny(given: string | undefined | null, expected: readonly string[]): boolean {
  let ok = false;
  for (const e of expected) ok = secretEquals(given, e) || ok;
  return ok;
}

/** A header value as one string (first of repeated headers), or undefined. */
export function header(headers: Record<string, string | string[] | undefined>, name: string) {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
