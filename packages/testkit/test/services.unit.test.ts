import { describe, expect, it } from 'vitest';
import { resolveServices } from '../src/services.ts';

describe('resolveServices', () => {
  it('uses DATABASE_URL and REDIS_URL when both are set', async () => {
    await expect(
      resolveServices({ DATABASE_URL: 'postgresql://a/b', REDIS_URL: 'redis://c' }),
    ).resolves.toEqual({
      databaseUrl: 'postgresql://a/b',
      redisUrl: 'redis://c',
    });
  });

  it('says how to start the services when only one is set', async () => {
    await expect(resolveServices({ DATABASE_URL: 'postgresql://a/b' })).rejects.toThrow(
      /Only one of DATABASE_URL.*\n.*Set DATABASE_URL and REDIS_URL/s,
    );
  });

  // testcontainers' first import and its engine probe take seconds on a loaded machine.
  it('says how to start the services when neither is set and no Docker engine answers', {
    timeout: 60_000,
  }, async () => {
    // This machine has a Docker client but no engine; point it at a socket that does not exist.
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      await expect(resolveServices({})).rejects.toThrow(/no Docker engine answers[\s\S]*npm test/);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
