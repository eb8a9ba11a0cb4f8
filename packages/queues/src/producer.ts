import { type JobsOptions, Queue, type QueueOptions } from 'bullmq';
import type { JobName } from './names.ts';
import { jobOptionsFor, toJobId } from './options.ts';
import { JOB_SCHEMAS } from './schemas.ts';

export type QueueConnection = QueueOptions['connection'];

/** Opens queues lazily and validates every payload against its schema before adding it. */
export class Producer {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly connection: QueueConnection,
    private readonly prefix?: string,
  ) {}

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: this.connection,
        prefix: this.prefix,
        defaultJobOptions: jobOptionsFor(name),
      });
      // Connection errors also reject the add() that hit them, where the caller handles them;
      // without a listener BullMQ would print every reconnect attempt during a Redis outage.
      q.on('error', () => {});
      this.queues.set(name, q);
    }
    return q;
  }

  async add(queue: string, name: JobName, data: unknown, opts: JobsOptions & { dedupeKey?: string } = {}) {
    const schema = JOB_SCHEMAS[name];
    const payload = schema ? schema.parse(data) : data;
    const { dedupeKey, ...rest } = opts;
    return this.queue(queue).add(name, payload, {
      ...rest,
      ...(dedupeKey ? { jobId: toJobId(dedupeKey) } : {}),
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
