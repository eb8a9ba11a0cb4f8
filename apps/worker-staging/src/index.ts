import { createPgPool } from '@cauce/db';
import { startWorkerApp } from '@cauce/runtime';
import { stagingWorkerOptions } from './app.ts';
import type { StagingConfig } from './config.ts';

export { STAGING_PORT, stagingWorkerOptions } from './app.ts';
export { type StagingConfig, stagingEnv } from './config.ts';
export { normalizeEmail } from './normalize.ts';

/** Starts worker-staging in-process (tests); close() also ends its pg pool. */
export async function startStagingWorker(config: StagingConfig) {
  const pool = createPgPool(config.DATABASE_URL, { max: 6 });
  const app = await startWorkerApp(stagingWorkerOptions(config, pool));
  const close = app.close.bind(app);
  app.close = async () => {
    await close();
    await pool.end();
  };
  return app;
}
