import { createDb } from '@cauce/db';
import { freePort, setupTestEnv, startApp, waitFor } from '@cauce/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { connection, connectionsDir } from './support.ts';

const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 1 });
const files = await connectionsDir();
afterAll(() => db.$disconnect());

describe('worker-whatsapp main.ts (as production starts it)', () => {
  it('starts, syncs the file, reports /health, and stops cleanly on SIGTERM', async () => {
    await files.write([connection('606540352242901', '+57 318 111 1111', 'Ventas')]);
    const port = await freePort();
    const app = await startApp(
      'apps/worker-whatsapp/src/main.ts',
      {
        ...env.env,
        WORKER_PORT: String(port),
        WORKER_HOST: '127.0.0.1',
        WHATSAPP_CONNECTIONS_FILE: files.file,
        WHATSAPP_WATCH_DEBOUNCE_MS: '100',
      },
      { readyUrl: `http://127.0.0.1:${port}/health` },
    );
    try {
      await waitFor(async () => (await db.crmWhatsappNumber.count()) === 1, { message: 'first sync' });
      const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
      expect(health).toMatchObject({ status: 'ok', whatsapp: { enabled: true, watcher: 'watching' } });
    } finally {
      expect(await app.stop('SIGTERM')).toBe(0);
    }
  });

  it('an invalid variable stops it with one line naming the variable', async () => {
    const app = await startApp('apps/worker-whatsapp/src/main.ts', {
      ...env.env,
      WHATSAPP_DEFAULT_COUNTRY: 'XX',
    });
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain('config: WHATSAPP_DEFAULT_COUNTRY is invalid');
  });
});
