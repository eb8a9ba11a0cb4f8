import { LAST_SYNC_METRIC, SYNC_INTERVAL_METRIC, type WorkerApp } from '@cauce/runtime';
import { scrape, setupTestEnv, waitFor } from '@cauce/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { startWhatsappWorker } from '../src/app.ts';
import type { WhatsappConfig } from '../src/config.ts';
import { SYNC_LABEL } from '../src/metrics.ts';
import { connection, connectionsDir, whatsappConfig } from './support.ts';

/**
 * The two series the ScheduledSyncStale alert compares (prometheus/alerts.yml): the last success
 * and the schedule's period. A worker without a schedule exports no period, so it never alerts.
 */
const env = await setupTestEnv();
const files = await connectionsDir();
let worker: WorkerApp<WhatsappConfig> | undefined;
afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

const metric = (name: string) =>
  scrape(`http://127.0.0.1:${worker!.port}/metrics`, name, { sync: SYNC_LABEL });

describe('scheduled sync metrics for alerting', () => {
  it('exports the schedule period and the last success once a scheduled run succeeded', async () => {
    await files.write([connection('406540352242901', '+57 320 111 1111', 'Ventas')]);
    worker = await startWhatsappWorker(
      whatsappConfig(env, files.file, {
        WHATSAPP_SYNC_SCHEDULE: 'true',
        WHATSAPP_SYNC_INTERVAL_MS: '5400000',
        WHATSAPP_WATCH: 'false',
      }),
    );
    expect(await metric(SYNC_INTERVAL_METRIC)).toBe(5400);
    const before = Date.now() / 1000;
    const last = await waitFor(async () => {
      const v = await metric(LAST_SYNC_METRIC);
      return v && v > 0 ? v : null;
    });
    expect(last).toBeGreaterThan(before - 5);
  });

  it('exports no period when the schedule is off', async () => {
    worker = await startWhatsappWorker(
      whatsappConfig(env, files.file, { WHATSAPP_SYNC_SCHEDULE: 'false', WHATSAPP_WATCH: 'false' }),
    );
    expect(await metric(LAST_SYNC_METRIC)).toBeDefined();
    expect(await metric(SYNC_INTERVAL_METRIC)).toBeUndefined();
  });
});
