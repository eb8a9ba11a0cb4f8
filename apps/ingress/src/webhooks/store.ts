import type { WebhookQueue } from '@cauce/queues';
import type pg from 'pg';

/** One webhook_events row to insert. `payload` is the request's JSON text, stored as jsonb. */
export interface EventRow {
  provider: string;
  eventType: string;
  dedupeKey: string;
  entityId: string | null;
  status: 'received' | 'rejected';
  queue: WebhookQueue | null;
  /** BullMQ job id the event is (to be) queued under. */
  jobId: string | null;
  payload: string;
  headers: string | null;
  error: string | null;
  /** Only POST /api/webhooks/test sets this (an operator's event, not a provider's); default false. */
  synthetic?: boolean;
}

export interface Stored {
  id: string;
  duplicate: boolean;
}

/** PostgreSQL did not commit the row in time (stopped, hung): the caller must not acknowledge it. */
export class StoreTimeoutError extends Error {
  override name = 'StoreTimeoutError';
  constructor(ms: number) {
    super(`PostgreSQL did not commit the event within ${ms} ms`);
  }
}

/** PostgreSQL refused this payload itself (bad Unicode escape, nesting too deep): the sender's fault. */
export class PayloadRejectedError extends Error {
  override name = 'PayloadRejectedError';
}

/**
 * One parameter, the rows as a JSON array (their EventRow keys are the record's columns):
 * PostgreSQL decodes it in C, where pg's text[] array parameters were escaped element by element
 * in JavaScript. The payload travels as a JSON string and is cast to jsonb as before.
 */
const INSERT = `
  INSERT INTO webhook_events
    (provider, event_type, dedupe_key, entity_id, status, queue, job_id, payload, headers, error, synthetic)
  SELECT provider, "eventType", "dedupeKey", "entityId", status, queue, "jobId", payload::jsonb,
    headers::jsonb, error, coalesce(synthetic, false)
  FROM json_to_recordset($1::json) AS t(provider text, "eventType" text, "dedupeKey" text,
    "entityId" text, status text, queue text, "jobId" text, payload text, headers text, error text,
    synthetic boolean)
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id::text, dedupe_key`;

/** SQLSTATE classes that mean "this data", not "this database": 22 data exception, 54 limits. */
const isDataError = (err: unknown) => /^(22|54)/.test(String((err as { code?: unknown }).code ?? ''));

async function insertRows(pool: pg.Pool, rows: EventRow[]) {
  const res = await pool.query<{ id: string; dedupe_key: string }>({
    name: 'webhook-events-insert',
    text: INSERT,
    values: [JSON.stringify(rows)],
  });
  return res.rows;
}

interface Waiter {
  row: EventRow;
  resolve: (s: Stored) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: requests hand their row to `insert()` and wait for its commit; rows that arrive
 * while up to `concurrency` INSERTs are in flight are written together by the next one, so under
 * load one fsync'd commit acknowledges hundreds of webhooks and at low load a row waits for no
 * timer. `insert()` resolves only after the transaction holding the row committed.
 */
export class GroupCommit {
  private pending: Waiter[] = [];
  private inflight = 0;
  private scheduled = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: {
      maxBatch: number;
      concurrency: number;
      /**
       * Longest wait for the commit (ms). The pool's own timeouts free its connections; this bounds
       * the wait for a free INSERT slot as well. A row that commits after it was refused is a
       * duplicate when the provider redelivers, and the redrive enqueues it.
       */
      timeoutMs?: number;
      onBatch?: (rows: number) => void;
    },
  ) {}

  insert(row: EventRow): Promise<Stored> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        row,
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const { timeoutMs } = this.opts;
      if (timeoutMs)
        timer = setTimeout(() => {
          // Not yet written: leave it out of the next INSERT, nobody will acknowledge it.
          const i = this.pending.indexOf(waiter);
          if (i >= 0) this.pending.splice(i, 1);
          reject(new StoreTimeoutError(timeoutMs));
        }, timeoutMs);
      this.pending.push(waiter);
      this.kick();
    });
  }

  private kick() {
    if (this.scheduled || this.inflight >= this.opts.concurrency) return;
    this.scheduled = true;
    // setImmediate: every request already parsed in this turn of the event loop joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      while (this.pending.length && this.inflight < this.opts.concurrency) {
        const batch = this.pending.splice(0, this.opts.maxBatch);
        this.inflight++;
        this.write(batch).finally(() => {
          this.inflight--;
          if (this.pending.length) this.kick();
        });
      }
    });
  }

  private async write(batch: Waiter[]) {
    this.opts.onBatch?.(batch.length);
    try {
      settle(
        batch,
        await insertRows(
          this.pool,
          batch.map((w) => w.row),
        ),
      );
    } catch (err) {
      if (!isDataError(err)) {
        for (const w of batch) w.reject(err);
        return;
      }
      // One bad payload must not fail its neighbours: write them one by one.
      for (const w of batch) {
        try {
          settle([w], await insertRows(this.pool, [w.row]));
        } catch (e) {
          w.reject(isDataError(e) ? new PayloadRejectedError((e as Error).message) : e);
        }
      }
    }
  }
}

/** The first row of each dedupe key that came back is new; everything else is a duplicate. */
function settle(batch: Waiter[], returned: Array<{ id: string; dedupe_key: string }>) {
  const ids = new Map(returned.map((r) => [r.dedupe_key, r.id]));
  for (const w of batch) {
    const id = ids.get(w.row.dedupeKey);
    if (id !== undefined) ids.delete(w.row.dedupeKey);
    w.resolve({ id: id ?? '', duplicate: id === undefined });
  }
}
