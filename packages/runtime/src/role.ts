import type { Registry } from 'prom-client';
import type { HealthReport } from './health-server.ts';
import type { MetricsSource } from './metrics.ts';
import type { WorkerApp } from './worker-app.ts';

/**
 * One role of Cauce (the ingress or a worker app) started inside a process that may host several
 * (`cauce all`, apps/all). Each app exports `startRole` from its `role` entry; its own main.ts
 * still starts it alone.
 */
export interface RunningRole {
  name: string;
  /** Its series, labelled app=process=<name>, merged into the process's one /metrics. */
  registry: Registry;
  /** Worker roles: what their /health reports (the ingress answers /api/health itself). */
  health?: () => Promise<HealthReport>;
  /** Graceful stop: no new work, active work finished (or handed back), connections closed. */
  close(): Promise<void>;
}

export interface RoleHost {
  env: NodeJS.ProcessEnv;
  /** The process's /metrics: every role's registry and the process metrics, merged. */
  metrics: MetricsSource;
}

export type StartRole = (host: RoleHost) => Promise<RunningRole>;

/** A worker app started embedded (`startWorkerApp(…, { serve: false })`) as a role. */
export const workerRole = (app: WorkerApp): RunningRole => ({
  name: app.ctx.name,
  registry: app.ctx.registry,
  health: () => app.health(),
  close: () => app.close(),
});
