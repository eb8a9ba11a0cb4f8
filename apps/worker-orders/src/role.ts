import { loadConfig, type StartRole, startWorkerApp, workerRole } from '@cauce/runtime';
import { ordersWorkerOptions } from './app.ts';
import { ordersEnv } from './config.ts';

/** worker-orders inside a process that hosts several roles (apps/all): no HTTP server of its own. */
export const startRole: StartRole = async ({ env }) =>
  workerRole(await startWorkerApp(ordersWorkerOptions(loadConfig(ordersEnv, env)), { serve: false }));
