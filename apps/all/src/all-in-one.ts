import {
  createLogger,
  createProcessRegistry,
  type HealthReport,
  loadConfig,
  mergeRegistries,
  type RunningRole,
  startHealthServer,
  workerEnv,
} from '@cauce/runtime';
import { ROLES } from './roles.ts';

type HealthServer = Awaited<ReturnType<typeof startHealthServer>>;

export interface AllInOne {
  roles: RunningRole[];
  /** The one /health + /metrics server of the worker roles (WORKER_PORT), or null with no worker role. */
  server: HealthServer | null;
  /** Stops every role gracefully: the ingress first (no new webhooks), then the workers together. */
  close(): Promise<void>;
}

const WORKER_HEALTH_PORT = 9101;
const STATUS_ORDER: HealthReport['status'][] = ['ok', 'degraded', 'down'];

/**
 * Starts `names` (roles of ROLES) in this process, each with its own connections, queues and
 * logger exactly as when it runs alone. One /metrics (every role's series, with the process's own
 * metrics once under process="all") is served by the ingress on PORT and, with the workers'
 * combined /health, on WORKER_PORT (default 9101): one server per port, never one per role.
 */
export async function startAllInOne(
  names: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<AllInOne> {
  const processRegistry = createProcessRegistry();
  const roles: RunningRole[] = [];
  const metrics = mergeRegistries(() => [processRegistry, ...roles.map((r) => r.registry)]);
  const close = async () => {
    const ingress = roles.filter((r) => r.name === 'ingress');
    const rest = roles.filter((r) => r.name !== 'ingress');
    await Promise.all(ingress.map((r) => r.close()));
    await Promise.all(rest.map((r) => r.close()));
  };
  let server: HealthServer | null = null;
  try {
    for (const name of names) {
      const load = ROLES[name];
      if (!load) throw new Error(`unknown role ${name}`);
      const { startRole } = await load();
      roles.push(await startRole({ env, metrics }));
    }
    const workers = roles.filter((r) => r.health);
    if (workers.length) {
      const config = loadConfig(workerEnv, env);
      server = await startHealthServer({
        registry: metrics,
        port: config.WORKER_PORT ?? WORKER_HEALTH_PORT,
        host: config.WORKER_HOST,
        health: async () => {
          const reports = await Promise.all(workers.map(async (w) => [w.name, await w.health!()] as const));
          const worst = Math.max(...reports.map(([, r]) => STATUS_ORDER.indexOf(r.status)));
          return { status: STATUS_ORDER[worst] ?? 'down', app: 'all', roles: Object.fromEntries(reports) };
        },
      });
    }
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  createLogger('all', loadConfig(workerEnv, env).LOG_LEVEL).info(
    { roles: roles.map((r) => r.name) },
    'all-in-one started',
  );
  return {
    roles,
    server,
    async close() {
      await close();
      await server?.close();
    },
  };
}
