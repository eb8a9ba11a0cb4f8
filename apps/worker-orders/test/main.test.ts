import { freePort, setupTestEnv, startApp } from '@cauce/testkit';
import { expect, it } from 'vitest';

/** main.ts as production runs it: config errors stop it with one line; SIGTERM stops it cleanly. */
const env = await setupTestEnv();
const MAIN = 'apps/worker-orders/src/main.ts';

it('refuses to start with CALLBELL_ENABLED=true and no token, naming the variable', async () => {
  const app = await startApp(MAIN, { ...env.env, CALLBELL_ENABLED: 'true', WORKER_PORT: '0' });
  expect(await app.exited).toBe(1);
  expect(app.output()).toMatch(/CALLBELL_API_TOKEN.*required when CALLBELL_ENABLED=true/);
});

it('serves /health on WORKER_PORT and exits 0 on SIGTERM', async () => {
  const port = await freePort();
  const app = await startApp(
    MAIN,
    { ...env.env, WORKER_PORT: String(port), WORKER_HOST: '127.0.0.1', ORDERS_SWEEP_ENABLED: 'false' },
    { readyUrl: `http://127.0.0.1:${port}/health` },
  );
  const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
  expect(health).toMatchObject({ app: 'worker-orders', queues: ['bigin-orders', 'orders-sweep'] });
  expect(await app.stop('SIGTERM')).toBe(0);
});
