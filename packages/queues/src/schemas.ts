import { z } from 'zod';
import { JOBS, type JobName } from './names.ts';

/** A stored webhook: workers load the payload from webhook_events, so the job stays small. */
export const webhookEventJob = z.object({
  webhookEventId: z.string().regex(/^\d+$/),
  provider: z.string().min(1),
  eventType: z.string().min(1),
  entityId: z.string().nullable().optional(),
});
export type WebhookEventJob = z.infer<typeof webhookEventJob>;

/**
 * The registry of job payload schemas by job name. Producers validate before add,
 * workers validate before processing; a payload that fails is a permanent error.
 * Later issues add their jobs here.
 */
export const JOB_SCHEMAS: Partial<Record<JobName, z.ZodType>> = {
  [JOBS.webhookEvent]: webhookEventJob,
};

export function parseJobData<T = unknown>(name: string, data: unknown): T {
  const schema = JOB_SCHEMAS[name as JobName];
  return (schema ? schema.parse(data) : data) as T;
}
