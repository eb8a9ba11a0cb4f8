import type { StoredWebhookEvent, WebhookEventStore } from '@cauce/db';
import type { WebhookEventJob } from '@cauce/queues';
import type { Job } from 'bullmq';
import { isFinalFailure, type ProviderWindowConfig } from './worker-app.ts';

/** What a worker's handler did with one stored event. */
export type WebhookHandled<R = undefined> =
  | { status: 'ignored'; reason: string; result?: R }
  | {
      status: 'processed';
      result?: R;
      /**
       * The handler's own write already settled the event 'processed', in the same statement or
       * transaction (so the event is processed exactly when that write committed).
       */
      settled?: boolean;
    };

export type WebhookEventResult<R = undefined> = WebhookHandled<R> | { status: 'already'; settledAs: string };

/** Final states: a job that finds its event in one of them does nothing. */
export const SETTLED_STATUSES: ReadonlySet<string> = new Set(['processed', 'ignored']);

/**
 * The one lifecycle of a `{webhookEventId}` job, for every worker: load the stored event; skip it
 * when it is already settled (a redelivery, a redrive, a replay that lost the race); run the
 * handler; settle the event `processed` or `ignored`; and when the attempt fails for good (a
 * PermanentError or the last attempt) settle it `failed` with the error and rethrow, so the job
 * is dead-lettered and the row names why. A failure that will be retried leaves the row as it is.
 */
export async function handleWebhookEventJob<R = undefined>(
  job: Job<WebhookEventJob>,
  store: WebhookEventStore,
  handler: (event: StoredWebhookEvent) => Promise<WebhookHandled<R>>,
  /** The worker's config: a failure that only waits out a provider window is not final. */
  windows: ProviderWindowConfig,
): Promise<WebhookEventResult<R>> {
  const event = await store.load(job.data.webhookEventId);
  if (SETTLED_STATUSES.has(event.status)) return { status: 'already', settledAs: event.status };
  try {
    const out = await handler(event);
    if (out.status === 'ignored') await store.settle({ id: event.id, status: 'ignored', error: out.reason });
    else if (!out.settled) await store.settle({ id: event.id, status: 'processed' });
    return out;
  } catch (raw) {
    const err = raw instanceof Error ? raw : new Error(String(raw));
    if (isFinalFailure(job, err, windows))
      await store.settle({ id: event.id, status: 'failed', error: err.message });
    throw err;
  }
}
