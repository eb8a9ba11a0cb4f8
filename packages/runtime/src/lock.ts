import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface HeldLock {
  /** False once the lock was lost (expired while we were stalled, or taken by someone else). */
  readonly held: boolean;
  release(): Promise<void>;
}

/**
 * A Redis lock with a TTL that its holder keeps extending: a run that dies frees it within the
 * TTL, a run that lives keeps it however long it takes. Returns null when someone else holds it.
 */
export async function acquireLock(redis: Redis, key: string, ttlMs: number): Promise<HeldLock | null> {
  const owner = randomUUID();
  if ((await redis.set(key, owner, 'PX', ttlMs, 'NX')) !== 'OK') return null;
  let held = true;
  const timer = setInterval(
    () => {
      redis.eval(EXTEND, 1, key, owner, String(ttlMs)).then(
        (n) => {
          if (n !== 1) held = false;
        },
        () => {},
      );
    },
    Math.max(100, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    get held() {
      return held;
    },
    async release() {
      clearInterval(timer);
      held = false;
      await redis.eval(RELEASE, 1, key, owner);
    },
  };
}
