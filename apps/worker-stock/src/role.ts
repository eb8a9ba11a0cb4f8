import { loadConfig, type StartRole, startWorkerApp, workerRole } from '@cauce/runtime';
import { stockWorkerOptions } from './app.ts';
import { stockEnv } from './config.ts';

/** worker-stock inside a process that hosts several roles (apps/all): no HTTP server of its own. */
export const startRole: StartRole = async ({ env }) =>
  workerRole(await startWorkerApp(stockWorkerOptions(loadConfig(stockEnv, env)), { serve: false }));
