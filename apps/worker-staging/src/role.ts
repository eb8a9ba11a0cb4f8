import { loadConfig, type StartRole, startWorkerApp, workerRole } from '@cauce/runtime';
import { stagingWorkerOptions } from './app.ts';
import { stagingEnv } from './config.ts';

/** worker-staging inside a process that hosts several roles (apps/all): no HTTP server of its own. */
export const startRole: StartRole = async ({ env }) =>
  workerRole(await startWorkerApp(stagingWorkerOptions(loadConfig(stagingEnv, env)), { serve: false }));
