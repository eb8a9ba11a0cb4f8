import { randomUUID } from 'node:crypto';
import type { RedisConnection } from './redis.ts';

/** Extends the key's TTL only while it still holds our token. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;
/** Deletes the key only while it still holds our token (never someone else's lease). */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

export interface RedisLeaseOptions {
  redis: RedisConnection;
  /** The whole key, under the app's BullMQ prefix (the caller builds it; it never changes). */
  key: string;
  /** How long the lease lasts after each acquire or renewal: a holder that dies frees it within this. */
  ttlMs: number;
  /**
   * Renew in the background while held (every ttlMs / 3, at least 100 ms), so a holder that lives
   * keeps the lease however long it takes. Off: the lease lasts ttlMs unless renew() or claim() is
   * called.
   */
  autoRenew?: boolean;
  /** Called once when a background renewal finds the lease gone (expired while stalled, or taken). */
  onLost?: () => void;
}

/**
 * A Redis lease: a key set NX with a TTL to a random token of this instance, so only its holder
 * can renew or release it. One owner token per instance: a leader that re-claims on every tick
 * keeps one instance; a one-off lock makes one per attempt.
 */
export class RedisLease {
  readonly key: string;
  readonly ttlMs: number;
  private readonly redis: RedisConnection;
  private readonly token = randomUUID();
  private readonly renewEveryMs?: number;
  private readonly onLost?: () => void;
  private timer?: NodeJS.Timeout;
  private holding = false;
  /** Bumped by release(): an acquire or renewal answered after it no longer says we hold the lease. */
  private epoch = 0;

  constructor(opts: RedisLeaseOptions) {
    this.redis = opts.redis;
    this.key = opts.key;
    this.ttlMs = opts.ttlMs;
    if (opts.autoRenew) this.renewEveryMs = Math.max(100, Math.floor(opts.ttlMs / 3));
    this.onLost = opts.onLost;
  }

  /** False once released, or once a renewal found the lease lost; true after a successful acquire/claim. */
  get held(): boolean {
    return this.holding;
  }

  /** Takes the lease if nobody holds it (SET NX PX). False when someone else does. */
  async acquire(): Promise<boolean> {
    const epoch = this.epoch;
    const ok = (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
    if (ok && epoch === this.epoch) this.onHeld();
    return ok;
  }

  /** Extends the lease by ttlMs if we still hold it; false (and held = false) when we no longer do. */
  async renew(): Promise<boolean> {
    const epoch = this.epoch;
    const ok = Number(await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs))) === 1;
    if (epoch !== this.epoch) return ok;
    if (ok) this.onHeld();
    else this.onGone();
    return ok;
  }

  /**
   * Acquires the lease or renews ours: a leader's election, called on every tick. True while this
   * instance leads; a leader that stops calling it loses the lease after ttlMs.
   */
  async claim(): Promise<boolean> {
    return (await this.acquire()) || (await this.renew());
  }

  /** Stops renewing and deletes the key if it is still ours. True when it was. */
  async release(): Promise<boolean> {
    this.stopRenewing();
    this.holding = false;
    this.epoch++;
    return Number(await this.redis.eval(RELEASE, 1, this.key, this.token)) === 1;
  }

  /**
   * Runs `fn` holding the lease and releases it afterwards (also when `fn` throws);
   * `{acquired: false}` without running it when someone else holds the lease.
   */
  async run<T>(
    fn: (lease: RedisLease) => Promise<T>,
  ): Promise<{ acquired: true; value: T } | { acquired: false }> {
    if (!(await this.acquire())) return { acquired: false };
    try {
      return { acquired: true, value: await fn(this) };
    } finally {
      await this.release();
    }
  }

  private onHeld() {
    this.holding = true;
    if (this.renewEveryMs === undefined || this.timer) return;
    this.timer = setInterval(() => {
      // A failed call (Redis down) is not a loss: the next renewal may still find the key ours.
      this.renew().catch(() => {});
    }, this.renewEveryMs);
    this.timer.unref();
  }

  private onGone() {
    const was = this.holding;
    this.holding = false;
    this.stopRenewing();
    if (was) this.onLost?.();
  }

  private stopRenewing() {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
