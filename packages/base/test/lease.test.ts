import { randomBytes } from 'node:crypto';
import { deleteRedisPrefix, waitFor } from '@cauce/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RedisLease } from '../src/lease.ts';

const redisUrl = inject('redisUrl');
const prefix = `t${randomBytes(5).toString('hex')}`;
const redis = new Redis(redisUrl);
let n = 0;
/** A fresh key per test, under this file's prefix. */
const keyOf = () => `${prefix}:lease:${++n}`;

afterAll(async () => {
  await deleteRedisPrefix(redisUrl, prefix);
  redis.disconnect();
});

/** Waits until Redis expires `key` by itself (a real TTL running out, not a DEL). */
const expired = (key: string) =>
  waitFor(async () => (await redis.exists(key)) === 0, { message: `${key} to expire` });

describe('RedisLease', () => {
  it('is held by one instance at a time, with the TTL it was given', async () => {
    const key = keyOf();
    const a = new RedisLease({ redis, key, ttlMs: 10_000 });
    const b = new RedisLease({ redis, key, ttlMs: 10_000 });
    expect(await a.acquire()).toBe(true);
    expect(a.held).toBe(true);
    expect(await b.acquire()).toBe(false);
    expect(b.held).toBe(false);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(5_000);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it('renew extends only our own lease', async () => {
    const key = keyOf();
    const a = new RedisLease({ redis, key, ttlMs: 10_000 });
    const b = new RedisLease({ redis, key, ttlMs: 10_000 });
    await a.acquire();
    await redis.pexpire(key, 1_000);
    expect(await b.renew()).toBe(false);
    expect(await redis.pttl(key)).toBeLessThanOrEqual(1_000);
    expect(await a.renew()).toBe(true);
    expect(await redis.pttl(key)).toBeGreaterThan(5_000);
  });

  it('is lost when its TTL runs out; then another holder takes it and the old one cannot free it', async () => {
    const key = keyOf();
    const a = new RedisLease({ redis, key, ttlMs: 150 });
    const b = new RedisLease({ redis, key, ttlMs: 10_000 });
    expect(await a.acquire()).toBe(true);
    await expired(key);
    expect(await a.renew()).toBe(false);
    expect(a.held).toBe(false);
    expect(await b.acquire()).toBe(true);
    expect(await a.release()).toBe(false);
    expect(await b.renew()).toBe(true);
  });

  it('is released only by its owner', async () => {
    const key = keyOf();
    const a = new RedisLease({ redis, key, ttlMs: 10_000 });
    const b = new RedisLease({ redis, key, ttlMs: 10_000 });
    await a.acquire();
    expect(await b.release()).toBe(false);
    expect(await redis.exists(key)).toBe(1);
    expect(await a.release()).toBe(true);
    expect(a.held).toBe(false);
    expect(await redis.exists(key)).toBe(0);
    expect(await b.acquire()).toBe(true);
  });

  it('with autoRenew outlives its TTL while held, and stops renewing once released', async () => {
    const key = keyOf();
    // Long enough that a loaded machine still renews in time (renewals every ttl/3).
    const ttlMs = 2_000;
    const a = new RedisLease({ redis, key, ttlMs, autoRenew: true });
    const started = Date.now();
    await a.acquire();
    // Poll the asserted value: the key must still be ours after several TTLs have gone by.
    await waitFor(async () => Date.now() - started > ttlMs * 3 && (await redis.exists(key)) === 1, {
      message: 'the lease to outlive three TTLs',
    });
    expect(a.held).toBe(true);
    expect(await new RedisLease({ redis, key, ttlMs }).acquire()).toBe(false);
    expect(await a.release()).toBe(true);
    expect(await redis.exists(key)).toBe(0);
  });

  it('with autoRenew reports the loss once another owner has the key', async () => {
    const key = keyOf();
    let lost = 0;
    const a = new RedisLease({ redis, key, ttlMs: 300, autoRenew: true, onLost: () => lost++ });
    await a.acquire();
    await redis.set(key, 'someone-else', 'PX', 10_000);
    await waitFor(() => lost > 0, { message: 'the loss to be reported' });
    expect(a.held).toBe(false);
    expect(lost).toBe(1);
    expect(await a.release()).toBe(false);
    expect(await redis.get(key)).toBe('someone-else');
  });

  it('claim keeps a leader leading; a leader that stops claiming is replaced after the TTL', async () => {
    const key = keyOf();
    const a = new RedisLease({ redis, key, ttlMs: 200 });
    const b = new RedisLease({ redis, key, ttlMs: 200 });
    expect(await a.claim()).toBe(true);
    expect(await a.claim()).toBe(true);
    expect(await b.claim()).toBe(false);
    await expired(key);
    expect(await b.claim()).toBe(true);
    expect(await a.claim()).toBe(false);
    expect(a.held).toBe(false);
    expect(b.held).toBe(true);
  });

  it('run holds the lease around the function and frees it afterwards, also on a throw', async () => {
    const key = keyOf();
    const a = new RedisLease({ redis, key, ttlMs: 10_000 });
    const b = new RedisLease({ redis, key, ttlMs: 10_000 });
    const out = await a.run(async () => {
      expect(await b.run(async () => 'ran')).toEqual({ acquired: false });
      return (await redis.exists(key)) === 1;
    });
    expect(out).toEqual({ acquired: true, value: true });
    expect(await redis.exists(key)).toBe(0);
    await expect(
      b.run(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await redis.exists(key)).toBe(0);
  });
});
