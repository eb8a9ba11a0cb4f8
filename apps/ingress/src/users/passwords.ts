import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Operators' passwords: scrypt from node:crypto, a 16-byte random salt per hash, and the
 * parameters stored with it (`scrypt$N$r$p$salt$hash`, base64url) so they can be raised later
 * without breaking stored hashes. Comparison is constant-time.
 */

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;
/** N = 2^14, r = 8: 16 MiB and some tens of milliseconds per hash. */
const PARAMS = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

/** Why a password is refused, or null when it meets the policy. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH)
    return `the password must have at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH)
    return `the password must have at most ${PASSWORD_MAX_LENGTH} characters`;
  if (password.trim() !== password) return 'the password must not start or end with a space';
  return null;
}

const derive = (password: string, salt: Buffer, length: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, length, { ...opts, maxmem: 256 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, KEY_LENGTH, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** True when `password` matches `stored`; false for a wrong password or a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltText, keyText, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || rest.length || !saltText || !keyText) return false;
  const N = Number(n);
  const params = { N, r: Number(r), p: Number(p) };
  if (![N, params.r, params.p].every((x) => Number.isInteger(x) && x > 0)) return false;
  const expected = Buffer.from(keyText, 'base64url');
  if (expected.length < 16) return false;
  const key = await derive(password, Buffer.from(saltText, 'base64url'), expected.length, params);
  return timingSafeEqual(key, expected);
}

let dummy: Promise<string> | undefined;
/**
 * A hash of no one's password: a login for an unknown name is verified against it, so it costs
 * the same scrypt as a real one and its timing does not tell which names exist.
 */
export const dummyHash = (): Promise<string> => {
  dummy ??= hashPassword(randomBytes(18).toString('base64url'));
  return dummy;
};

/** A password for a new user when none is given (the CLI prints it once). */
export const generatePassword = (): string => randomBytes(15).toString('base64url');
