/**
 * Every queue in Cauce. One queue per provider (its rate limit is the provider's), so a
 * BullMQ `limiter` on the queue's workers is the provider's budget.
 */
export const QUEUES = {
  beds24Sync: 'beds24-sync',
  beds24Backfill: 'beds24-backfill',
  biginOrders: 'bigin-orders',
  callbellNotify: 'callbell-notify',
  ordersSweep: 'orders-sweep',
  siigoStock: 'siigo-stock',
  siigoSync: 'siigo-sync',
  stagingGhl: 'staging-ghl',
  stagingManychat: 'staging-manychat',
  stagingStripe: 'staging-stripe',
  stagingPaypal: 'staging-paypal',
  stagingCsv: 'staging-csv',
  stagingUnify: 'staging-unify',
  whatsappNumbers: 'whatsapp-numbers',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: readonly QueueName[] = Object.values(QUEUES);

export function isQueueName(name: string): name is QueueName {
  return (ALL_QUEUES as readonly string[]).includes(name);
}

/** Job names: the `type` label of jobs_processed_total / jobs_failed_total. */
export const JOBS = {
  webhookEvent: 'webhook-event',
  beds24Backfill: 'beds24-backfill',
  biginCreateOrder: 'bigin-create-order',
  callbellSend: 'callbell-send',
  ordersSweep: 'orders-sweep',
  siigoScheduledSync: 'siigo-scheduled-sync',
  stagingSync: 'staging-sync',
  stagingCsvImport: 'staging-csv-import',
  stagingUnify: 'staging-unify',
  whatsappNumbersSync: 'whatsapp-numbers-sync',
} as const;

export type JobName = (typeof JOBS)[keyof typeof JOBS];

/** The worker apps (one per domain): /api/ready reports each as up or missing. */
export const WORKER_APPS = [
  'worker-bookings',
  'worker-orders',
  'worker-stock',
  'worker-staging',
  'worker-whatsapp',
] as const;
