import { type RedisConnection, redisServers } from '@cauce/base';

/**
 * Which worker apps are alive, read from Redis' own client list: every worker app names its
 * connection (CLIENT SETNAME, `connectionName` in ioredis) as `<prefix>:app:<name>`. A process
 * that dies, even by SIGKILL, drops its TCP connection, so it leaves the list at once; no
 * heartbeat lag. BullMQ's worker registry (`queue.getWorkers()`) works the same way per queue.
 */
export const appConnectionName = (prefix: string, app: string) => `${prefix}:app:${app}`;

/** Connections per app name among `apps`, from CLIENT LIST (0: missing). */
export async function connectedApps(
  redis: RedisConnection,
  prefix: string,
  apps: readonly string[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries(apps.map((a) => [a, 0]));
  const byName = new Map(apps.map((a) => [appConnectionName(prefix, a), a]));
  // A cluster keeps a client list per server: an app counts where it has the most connections.
  for (const server of redisServers(redis)) {
    const list = (await server.call('CLIENT', 'LIST')) as string;
    const here: Record<string, number> = {};
    for (const line of list.split('\n')) {
      const name = / name=(\S*)/.exec(line)?.[1];
      const app = name ? byName.get(name) : undefined;
      if (app) here[app] = (here[app] ?? 0) + 1;
    }
    for (const [app, n] of Object.entries(here)) counts[app] = Math.max(counts[app] ?? 0, n);
  }
  return counts;
}
