import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { backoffDelay, backoffSchedule } from '../src/backoff.ts';
import { baseEnv, bool, ConfigError, csv, parseConfig } from '../src/config.ts';

describe('parseConfig', () => {
  const good = { DATABASE_URL: 'postgresql://u@h:5432/d', REDIS_URL: 'redis://h:6379' };

  it('applies defaults', () => {
    expect(parseConfig(baseEnv, good)).toMatchObject({
      LOG_LEVEL: 'info',
      QUEUE_PREFIX: '{cauce}',
      REDIS_CLUSTER: false,
      DB_PREPARED_STATEMENTS: true,
      NODE_ENV: 'development',
    });
    expect(parseConfig(baseEnv, good).DB_POOL_MAX).toBeUndefined();
  });

  it('on a Redis Cluster the prefix must carry a hash tag (every key in one slot)', () => {
    const cluster = { ...good, REDIS_CLUSTER: 'true' };
    expect(parseConfig(baseEnv, cluster).QUEUE_PREFIX).toBe('{cauce}');
    expect(() => parseConfig(baseEnv, { ...cluster, QUEUE_PREFIX: 'cauce' })).toThrow(/hash tag/);
    expect(parseConfig(baseEnv, { ...good, QUEUE_PREFIX: 'cauce' }).QUEUE_PREFIX).toBe('cauce');
  });

  it('names every missing or invalid variable on its own line', () => {
    const err = (() => {
      try {
        parseConfig(baseEnv, { REDIS_URL: 'http://nope', LOG_LEVEL: 'loud' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.issues).toHaveLength(3);
    expect(err!.issues.find((l) => l.startsWith('DATABASE_URL is missing'))).toBeTruthy();
    expect(err!.issues.find((l) => l.startsWith('REDIS_URL is invalid'))).toBeTruthy();
    expect(err!.issues.find((l) => l.startsWith('LOG_LEVEL is invalid'))).toBeTruthy();
    // A bad value is named, never echoed (it could be a secret).
    expect(err!.message).not.toContain('http://nope');
  });

  it('parses booleans and lists the way operators write them', () => {
    const s = z.object({ A: bool, B: bool, C: csv });
    expect(parseConfig(s, { A: 'false', B: '1', C: ' x, y ,,z' })).toEqual({
      A: false,
      B: true,
      C: ['x', 'y', 'z'],
    });
  });
});

describe('geometric backoff', () => {
  it('gives 5 s, 25 s, 125 s for geometric-x5 with a 5 s base', () => {
    expect(backoffSchedule('geometric-x5', 5000, 4)).toEqual([5000, 25_000, 125_000]);
  });
  it('scales with the time scale and defaults to doubling', () => {
    expect(backoffDelay('geometric-x5', 5000, 2, 0.001)).toBe(25);
    expect(backoffDelay('other', 1000, 3)).toBe(4000);
  });
});
