/**
 * Where the tests find PostgreSQL and Redis: DATABASE_URL / REDIS_URL when set; otherwise
 * testcontainers when a Docker engine answers; otherwise a clear error saying how to start them.
 */
export interface ServiceUrls {
  databaseUrl: string;
  redisUrl: string;
  stop?: () => Promise<void>;
}

const HOW_TO_START = [
  'Integration tests need PostgreSQL and Redis.',
  'Set DATABASE_URL and REDIS_URL, e.g.',
  '  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 npm test',
  'or start a Docker engine so testcontainers can run them.',
  'On a Debian machine with both installed: pg_ctlcluster <version> main start; redis-server --daemonize yes',
].join('\n');

export async function resolveServices(env: NodeJS.ProcessEnv = process.env): Promise<ServiceUrls> {
  if (env.DATABASE_URL && env.REDIS_URL) return { databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL };
  if (env.DATABASE_URL || env.REDIS_URL) {
    throw new Error(`Only one of DATABASE_URL and REDIS_URL is set.\n${HOW_TO_START}`);
  }
  const { getContainerRuntimeClient, GenericContainer, Wait } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch {
    throw new Error(`DATABASE_URL and REDIS_URL are unset and no Docker engine answers.\n${HOW_TO_START}`);
  }
  const pg = await new GenericContainer('postgres:17-alpine')
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/ready to accept connections/, 2))
    .start();
  const redis = await new GenericContainer('redis:7-alpine')
    .withCommand(['redis-server', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'])
    .withExposedPorts(6379)
    .start();
  return {
    databaseUrl: `postgresql://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/postgres`,
    redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    stop: async () => {
      await Promise.all([pg.stop(), redis.stop()]);
    },
  };
}
