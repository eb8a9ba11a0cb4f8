import { startWorkerApp } from '@cauce/runtime';
import { stagingWorkerOptions } from './app.ts';
import type { StagingConfig } from './config.ts';

export { STAGING_PORT, stagingWorkerOptions } from './app.ts';
export { type StagingConfig, stagingEnv } from './config.ts';
export { normalizeEmail } from './normalize.ts';

/** Starts worker-staging in-process (tests). */
export function startStagingWorker(config: StagingConfig) {
  return startWorkerApp(stagingWorkerOptions(config));
}
