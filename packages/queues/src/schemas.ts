import { z } from 'zod';

/** A stored webhook: workers load the payload from webhook_events, so the job stays small. */
export const webhookEventJob = z.object({
  webhookEventId: z.string().regex(/^\d+$/),
  provider: z.string().min(1),
  eventType: z.string().min(1),
  entityId: z.string().nullable().optional(),
});
export type WebhookEventJob = z.infer<typeof webhookEventJob>;

/** A SIIGO stock sync run: from the job scheduler, or on demand from the admin API. */
export const siigoSyncJob = z.object({
  trigger: z.enum(['schedule', 'manual']).default('schedule'),
});
export type SiigoSyncJob = z.infer<typeof siigoSyncJob>;

/** A WhatsApp numbers registry sync: hourly scheduler, admin API, or the connections-file watcher. */
export const whatsappNumbersSyncJob = z.object({
  trigger: z.enum(['schedule', 'manual', 'file']).default('schedule'),
  /** Who asked (admin JWT subject) for manual runs. */
  requestedBy: z.string().max(200).optional(),
  /** Compute the report and roll it back (the console's "what would change"). */
  dryRun: z.boolean().optional(),
});
export type WhatsappNumbersSyncJob = z.infer<typeof whatsappNumbersSyncJob>;

/** A staging sync run of one source; the run's row in sync_runs holds the checkpoint. */
export const stagingSyncJob = z.object({
  runId: z.string().regex(/^\d+$/),
  source: z.enum(['ghl', 'manychat', 'stripe', 'paypal']),
});
export type StagingSyncJob = z.infer<typeof stagingSyncJob>;

/** A unify run (raw tables -> clients); progress in its sync_runs row. */
export const stagingUnifyJob = z.object({ runId: z.string().regex(/^\d+$/) });
export type StagingUnifyJob = z.infer<typeof stagingUnifyJob>;

/** A CSV import: the run's csv_uploads row names the stored file, its target and column mapping. */
export const stagingCsvImportJob = z.object({ runId: z.string().regex(/^\d+$/) });
export type StagingCsvImportJob = z.infer<typeof stagingCsvImportJob>;

/** A Beds24 backfill run: the sync_runs row holds its parameters and checkpoint. */
export const beds24BackfillJob = z.object({ runId: z.string().regex(/^\d+$/) });
export type Beds24BackfillJob = z.infer<typeof beds24BackfillJob>;

/** Sync one stored order to Bigin through the Robot API (docs/orders.md). */
export const biginCreateOrderJob = z.object({
  orderId: z.number().int().positive(),
  trigger: z.enum(['intake', 'retry', 'sweep']).default('intake'),
});
export type BiginCreateOrderJob = z.infer<typeof biginCreateOrderJob>;

/** Send the order confirmation to the customer over WhatsApp (CallBell). */
export const callbellSendJob = z.object({ orderId: z.number().int().positive() });
export type CallbellSendJob = z.infer<typeof callbellSendJob>;

/** Re-enqueue orders left unsynced (job scheduler). */
export const ordersSweepJob = z.object({ trigger: z.enum(['schedule', 'manual']).default('schedule') });
export type OrdersSweepJob = z.infer<typeof ordersSweepJob>;
