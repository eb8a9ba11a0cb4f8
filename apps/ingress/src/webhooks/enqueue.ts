import { JOBS, type Producer, type WebhookQueue } from '@cauce/queues';
import type { Logger } from '@cauce/runtime';

/** A stored event on its way to its queue. */
export interface StoredEvent {
  id: string;
  provider: string;
  eventType: string;
  entityId: string | null;
  queue: WebhookQueue;
  jobId: string;
}

/**
 * Adds the events' jobs: one addBulk per queue, jobId = the dedupe key, so a second add of the
 * same event is a no-op while the job exists.
 */
export async function addJobs(producer: Producer, events: StoredEvent[]): Promise<void> {
  const byQueue = new Map<WebhookQueue, StoredEvent[]>();
  for (const e of events) {
    const list = byQueue.get(e.queue);
    if (list) list.push(e);
    else byQueue.set(e.queue, [e]);
  }
  await Promise.all(
    [...byQueue].map(([queue, list]) =>
      producer.addBulk(
        queue,
        JOBS.webhookEvent,
        list.map((e) => ({
          data: { webhookEventId: e.id, provider: e.provider, eventType: e.eventType, entityId: e.entityId },
          opts: { jobId: e.jobId },
        })),
      ),
    ),
  );
}

interface Waiter {
  event: StoredEvent;
  done: (added: boolean) => void;
}

/**
 * Batches the enqueues of concurrent requests the way GroupCommit batches their inserts. A
 * request waits at most `timeoutMs` for its job: the row is already committed, so on timeout or
 * error the answer is still 202 and the redrive loop enqueues it later. Nothing is written back to
 * the row: it stays 'received' until its worker settles it, and the redrive reconciles such rows
 * against BullMQ (a per-batch 'queued' UPDATE was half of PostgreSQL's time on this path).
 */
export class BatchEnqueuer {
  private pending: Waiter[] = [];
  private scheduled = false;

  constructor(
    private readonly producer: Producer,
    private readonly log: Logger,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves true when the job was added in time, false otherwise (never rejects). */
  enqueue(event: StoredEvent): Promise<boolean> {
    return new Promise<boolean>((settle) => {
      // Whichever comes first settles it; a later call is a no-op.
      const timer = setTimeout(() => settle(false), this.timeoutMs);
      const done = (added: boolean) => {
        clearTimeout(timer);
        settle(added);
      };
      this.pending.push({ event, done });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush() {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    const events = batch.map((w) => w.event);
    addJobs(this.producer, events).then(
      () => {
        for (const w of batch) w.done(true);
      },
      (err) => {
        this.log.warn(
          { err: (err as Error).message, events: batch.length },
          'enqueue failed; the redrive will retry',
        );
        for (const w of batch) w.done(false);
      },
    );
  }
}
