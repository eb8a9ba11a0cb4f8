import { JOBS, type Producer, type WebhookQueue } from '@cauce/queues';
import type { Logger } from '@cauce/runtime';
import type pg from 'pg';

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

/** Marks rows queued; only rows still in 'received' move (a worker may have settled them already). */
export async function markQueued(pool: pg.Pool, events: StoredEvent[]): Promise<void> {
  await pool.query({
    name: 'webhook-events-mark-queued',
    text: `UPDATE webhook_events SET status = 'queued', enqueued_at = now()
           WHERE id = ANY($1::bigint[]) AND status = 'received'`,
    values: [events.map((e) => e.id)],
  });
}

/** addJobs then markQueued (the redrive's path: it must not lose track of a row it enqueued). */
export async function enqueueStored(producer: Producer, pool: pg.Pool, events: StoredEvent[]): Promise<void> {
  await addJobs(producer, events);
  await markQueued(pool, events);
}

/**
 * Marks enqueued rows 'queued', off the request path and one UPDATE at a time: rows whose jobs were
 * added while an UPDATE is in flight go into the next one, so under load one statement marks
 * hundreds of rows instead of one statement per batch of requests. A mark that is lost (error,
 * crash) only leaves the row to the redrive, whose re-add BullMQ ignores while the job exists and
 * workers skip once the event is settled.
 */
class QueuedMarks {
  private pending: StoredEvent[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {}

  add(events: StoredEvent[]) {
    this.pending.push(...events);
    this.running ??= this.run();
  }

  private async run() {
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      await markQueued(this.pool, batch).catch((err) =>
        this.log.warn(
          { err: (err as Error).message, events: batch.length },
          'could not mark events queued; the redrive will',
        ),
      );
    }
    this.running = null;
  }

  /** Resolves when every mark handed over so far is written (or has failed). */
  async drain() {
    await this.running;
  }
}

interface Waiter {
  event: StoredEvent;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Batches the enqueues of concurrent requests the way GroupCommit batches their inserts. A
 * request waits at most `timeoutMs` for its job: the row is already committed, so on timeout or
 * error the answer is still 202 and the redrive loop enqueues it later.
 */
export class BatchEnqueuer {
  private pending: Waiter[] = [];
  private scheduled = false;
  private readonly marks: QueuedMarks;

  constructor(
    private readonly producer: Producer,
    pool: pg.Pool,
    private readonly log: Logger,
    private readonly timeoutMs: number,
  ) {
    this.marks = new QueuedMarks(pool, log);
  }

  /** Resolves true when the job was added in time, false otherwise (never rejects). */
  enqueue(event: StoredEvent): Promise<boolean> {
    const added = new Promise<void>((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    }).then(
      () => true,
      () => false,
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), this.timeoutMs);
    });
    return Promise.race([added, timeout]).finally(() => clearTimeout(timer));
  }

  /** Waits for the 'queued' marks still being written (call before closing the pool). */
  async close(): Promise<void> {
    await this.marks.drain();
  }

  private flush() {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    const events = batch.map((w) => w.event);
    addJobs(this.producer, events).then(
      () => {
        for (const w of batch) w.resolve();
        this.marks.add(events);
      },
      (err) => {
        this.log.warn(
          { err: (err as Error).message, events: batch.length },
          'enqueue failed; the redrive will retry',
        );
        for (const w of batch) w.reject(err);
      },
    );
  }
}
