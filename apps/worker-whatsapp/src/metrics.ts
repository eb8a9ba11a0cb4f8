import type { Db } from '@cauce/db';
import { Counter, Gauge, LAST_SYNC_METRIC, type RedisConnection, type Registry } from '@cauce/runtime';
import type { SyncReport } from './sync.ts';

export const SYNC_LABEL = 'whatsapp_numbers';

/** Where the time of the last successful sync lives, so every replica reports the same value. */
export const lastSyncKey = (prefix: string) => `${prefix}:whatsapp-numbers:last-success`;

export const SYNC_OUTCOMES = ['succeeded', 'invalid_file', 'failed'] as const;
export type SyncOutcomeLabel = (typeof SYNC_OUTCOMES)[number];

const CHANGES = ['added', 'updated', 'repaired', 'deactivated', 'invalid', 'conflicts'] as const;

export function createWhatsappMetrics(
  registry: Registry,
  opts: { db: Db; redis: RedisConnection; prefix: string },
) {
  const registers = [registry];
  const runs = new Counter({
    name: 'whatsapp_numbers_sync_total',
    help: 'WhatsApp numbers registry syncs by outcome (succeeded, invalid_file, failed)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const changes = new Counter({
    name: 'whatsapp_numbers_sync_changes_total',
    help: 'Numbers each sync added, updated, repaired, deactivated, and file entries it reported invalid or conflicting',
    labelNames: ['change'] as const,
    registers,
  });
  for (const o of SYNC_OUTCOMES) runs.inc({ outcome: o }, 0);
  for (const c of CHANGES) changes.inc({ change: c }, 0);
  new Gauge({
    name: 'whatsapp_numbers',
    help: 'Registry rows: active, inactive, and unassigned (active without a queue)',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      try {
        const [active, inactive, unassigned] = await Promise.all([
          opts.db.crmWhatsappNumber.count({ where: { isActive: true } }),
          opts.db.crmWhatsappNumber.count({ where: { isActive: false } }),
          opts.db.crmWhatsappNumber.count({ where: { isActive: true, queueId: null } }),
        ]);
        this.set({ state: 'active' }, active);
        this.set({ state: 'inactive' }, inactive);
        this.set({ state: 'unassigned' }, unassigned);
      } catch {
        // Database down: keep the last values rather than fail the whole scrape.
      }
    },
  });
  new Gauge({
    name: LAST_SYNC_METRIC,
    help: 'Unix time of the last sync that completed (read from RedisConnection: the same on every replica)',
    labelNames: ['sync'] as const,
    registers,
    async collect() {
      const v = await opts.redis.get(lastSyncKey(opts.prefix)).catch(() => null);
      this.set({ sync: SYNC_LABEL }, v ? Number(v) / 1000 : 0);
    },
  });
  return {
    succeeded(report: SyncReport) {
      runs.inc({ outcome: 'succeeded' });
      const { counts } = report;
      for (const c of CHANGES) changes.inc({ change: c }, counts[c]);
    },
    failed(outcome: Exclude<SyncOutcomeLabel, 'succeeded'>) {
      runs.inc({ outcome });
    },
  };
}
export type WhatsappMetrics = ReturnType<typeof createWhatsappMetrics>;
