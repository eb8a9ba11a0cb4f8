import type { Redis } from 'ioredis';

/**
 * Which worker apps are alive, read from Redis' own client list: every worker app names its
 * connection (CLIENT SETNAME, `connectionName` in ioredis) as `<prefix>:app:<name>`. A process
 * that dies, even by SIGKILL, drops its TCP connection, so it leaves the list at once; no
 * heartbeat lag. BullMQ's worker registry (`queue.getWorkers()`) works the same way per queue.
 */
export const appConnectionName = (prefix: string, app: string) => `${prefix}:app:${app}`;

/** Connections per app name among `apps`, from CLIENT LIST (0: missing). */
export async function connectedApps(
  redis: Redis,
  prefix: string,
  apps: readonly string[],
): Promise<Record<string, number>> {
  const list = (await redis.call('CLIENT', 'LIST')) as string;
  const counts: Record<string, number> = Object.fromEntries(apps.map((a) => [a, 0]));
  const byName = new Map(apps.map((a) => [appConnectionName(prefix, a), a]));
  for (const line of list.split('\n')) {
    const name = / name=(\S*)/.exec(line)?.[1];
    const app = name ? byName.get(name) : undefined;
    if (app) counts[app]! += 1;
  }
  return counts;
}
