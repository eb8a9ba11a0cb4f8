import { QUEUES } from '@cauce/queues';
import { createRedis } from '@cauce/runtime';
import { freePort, setupTestEnv, startApp, waitFor } from '@cauce/testkit';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';

const env = await setupTestEnv();

describe('worker-stock without SIIGO credentials', () => {
  it('starts, says why on /health and in its log, and registers nothing', async () => {
    const port = await freePort();
    const app = await startApp(
      'apps/worker-stock/src/main.ts',
      { ...env.env, LOG_LEVEL: 'info', WORKER_PORT: String(port), WORKER_HOST: '127.0.0.1' },
      { readyUrl: `http://127.0.0.1:${port}/health` },
    );
    const redis = createRedis(env.redisUrl);
    const queue = new Queue(QUEUES.siigoSync, { connection: redis, prefix: env.prefix });
    try {
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {
        status: string;
        queues: string[];
        siigo: unknown;
      };
      expect(health.status).toBe('ok');
      expect(health.queues).toEqual([]);
      expect(health.siigo).toEqual({
        enabled: false,
        message: 'SIIGO disabled: missing SIIGO_USERNAME, SIIGO_ACCESS_KEY',
      });
      await waitFor(() => app.output().includes('SIIGO disabled: missing SIIGO_USERNAME'), {
        message: 'the log line',
      });
      expect(await queue.getJobSchedulersCount()).toBe(0);
      expect(await app.stop('SIGTERM')).toBe(0);
    } finally {
      await app.stop('SIGKILL');
      await queue.close();
      redis.disconnect();
    }
  });
});
