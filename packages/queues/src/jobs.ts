import type { z } from 'zod';
import { JOBS, type JobName, QUEUES, type QueueName } from './names.ts';
import {
  beds24BackfillJob,
  biginCreateOrderJob,
  callbellSendJob,
  ordersSweepJob,
  siigoSyncJob,
  stagingCsvImportJob,
  stagingSyncJob,
  stagingUnifyJob,
  webhookEventJob,
  whatsappNumbersSyncJob,
} from './schemas.ts';

/** One kind of job: its payload schema and the queues it may be added to. */
export interface JobType {
  schema: z.ZodType;
  queues: readonly QueueName[];
}

/**
 * The job registry: name -> payload schema and queues. The `Producer` is typed by it (a job can
 * only be added to its queues, with its payload) and validates before adding; the worker runtime
 * parses the payload before a handler sees it, so handlers get typed data without casts. A
 * payload that fails is a permanent error. Queue options (attempts, backoff) are per queue, in
 * options.ts.
 */
export const JOB_TYPES = {
  [JOBS.webhookEvent]: {
    schema: webhookEventJob,
    queues: [
      QUEUES.beds24Sync,
      QUEUES.siigoStock,
      QUEUES.stagingGhl,
      QUEUES.stagingManychat,
      QUEUES.stagingStripe,
      QUEUES.stagingPaypal,
    ],
  },
  [JOBS.beds24Backfill]: { schema: beds24BackfillJob, queues: [QUEUES.beds24Backfill] },
  [JOBS.biginCreateOrder]: { schema: biginCreateOrderJob, queues: [QUEUES.biginOrders] },
  [JOBS.callbellSend]: { schema: callbellSendJob, queues: [QUEUES.callbellNotify] },
  [JOBS.ordersSweep]: { schema: ordersSweepJob, queues: [QUEUES.ordersSweep] },
  [JOBS.siigoScheduledSync]: { schema: siigoSyncJob, queues: [QUEUES.siigoSync] },
  [JOBS.stagingSync]: {
    schema: stagingSyncJob,
    queues: [QUEUES.stagingGhl, QUEUES.stagingManychat, QUEUES.stagingStripe, QUEUES.stagingPaypal],
  },
  [JOBS.stagingCsvImport]: { schema: stagingCsvImportJob, queues: [QUEUES.stagingCsv] },
  [JOBS.stagingUnify]: { schema: stagingUnifyJob, queues: [QUEUES.stagingUnify] },
  [JOBS.whatsappNumbersSync]: { schema: whatsappNumbersSyncJob, queues: [QUEUES.whatsappNumbers] },
} as const satisfies Record<JobName, JobType>;

type Types = typeof JOB_TYPES;
/** The payload a handler of job `N` receives (defaults applied). */
export type JobData<N extends JobName> = z.output<Types[N]['schema']>;
/** The payload a producer of job `N` passes (defaults may be left out). */
export type JobInput<N extends JobName> = z.input<Types[N]['schema']>;
/** The queues job `N` may be added to. */
export type JobQueue<N extends JobName> = Types[N]['queues'][number];
/** The queues webhook-event jobs go to (one per webhook provider). */
export type WebhookQueue = JobQueue<typeof JOBS.webhookEvent>;

/** The job names a queue carries. */
export type JobsOf<Q extends QueueName> = {
  [N in JobName]: Q extends JobQueue<N> ? N : never;
}[JobName];

export function isWebhookQueue(queue: string): queue is WebhookQueue {
  return (JOB_TYPES[JOBS.webhookEvent].queues as readonly string[]).includes(queue);
}

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOB_TYPES, name);
}

/** The payload as its schema reads it; throws a ZodError (a permanent failure) when it does not fit. */
export function parseJobData<N extends JobName>(name: N, data: unknown): JobData<N> {
  return JOB_TYPES[name].schema.parse(data) as JobData<N>;
}
