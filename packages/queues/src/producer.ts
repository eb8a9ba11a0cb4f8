import { FlowProducer, type JobsOptions, Queue, type QueueOptions } from 'bullmq';
import type { JobName } from './names.ts';
import { jobOptionsFor, toJobId } from './options.ts';
import { JOB_SCHEMAS } from './schemas.ts';

export type QueueConnection = QueueOptions['connection'];

/** One job of a flow: validated and given its queue's default options like `add`. */
export interface FlowJob {
  queue: string;
  name: JobName;
  data: unknown;
  dedupeKey: string;
}

/** Opens queues lazily and validates every payload against its schema before adding it. */
export class Producer {
  private readonly queues = new Map<string, Queue>();
  private flows?: FlowProducer;

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

  /**
   * Adds `parent` so that it runs only once every child has finished: completed, or failed for
   * good (a failed child does not block the parent, it just contributed nothing). One atomic add.
   */
  async addFlow(parent: FlowJob, children: FlowJob[]) {
    if (!this.flows) {
      this.flows = new FlowProducer({ connection: this.connection, prefix: this.prefix });
      this.flows.on('error', () => {}); // as for queues: the add() that hit it rejects
    }
    const job = (j: FlowJob, extra: JobsOptions = {}) => {
      const schema = JOB_SCHEMAS[j.name];
      return {
        queueName: j.queue,
        name: j.name,
        data: schema ? schema.parse(j.data) : j.data,
        opts: { ...jobOptionsFor(j.queue), jobId: toJobId(j.dedupeKey), ...extra },
      };
    };
    return this.flows.add({
      ...job(parent),
      children: children.map((c) => job(c, { ignoreDependencyOnFailure: true })),
    });
  }

  async close(): Promise<void> {
    await this.flows?.close();
    this.flows = undefined;
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
