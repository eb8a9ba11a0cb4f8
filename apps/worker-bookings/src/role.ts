import { loadConfig, type StartRole, startWorkerApp, workerRole } from '@cauce/runtime';
import { bookingsWorkerOptions } from './app.ts';
import { bookingsEnv } from './config.ts';

/** worker-bookings inside a process that hosts several roles (apps/all): no HTTP server of its own. */
export const startRole: StartRole = async ({ env }) =>
  workerRole(await startWorkerApp(bookingsWorkerOptions(loadConfig(bookingsEnv, env)), { serve: false }));
