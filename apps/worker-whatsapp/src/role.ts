import { loadConfig, type StartRole, startWorkerApp, workerRole } from '@cauce/runtime';
import { whatsappWorkerOptions } from './app.ts';
import { whatsappEnv } from './config.ts';

/** worker-whatsapp inside a process that hosts several roles (apps/all): no HTTP server of its own. */
export const startRole: StartRole = async ({ env }) =>
  workerRole(await startWorkerApp(whatsappWorkerOptions(loadConfig(whatsappEnv, env)), { serve: false }));
