import { FlowProducer, type JobsOptions, Queue, type QueueOptions } from 'bullmq';
import { isJobName, JOB_TYPES, type JobInput, type JobQueue } from './jobs.ts';
import type { JobName } from './names.ts';
import { jobOptionsFor, toJobId } from './options.ts';

export type QueueConnection = QueueOptions['connection'];

/** A job as data (a flow's parent or child, or one to add later): each name with its queues and payload. */
export type JobSpec = {
  [N in JobName]: { queue: JobQueue<N>; name: N; data: JobInput<N>; dedupeKey: string };
}[JobName];

export type AddOptions = JobsOptions & { dedupeKey?: string };

/** A job that does not fit the registry (jobs.ts): wrong queue for its name, or an unknown name. */
export class JobContractError extends Error {
  override name = 'JobContractError';
}

/**
 * The one place a job is built: its name belongs on the queue, its payload parses with its
 * schema (defaults applied), a dedupe key becomes its job id.
 */
function buildJob(queue: string, name: string, data: unknown, opts: AddOptions = {}) {
  if (!isJobName(name)) throw new JobContractError(`unknown job name ${name}`);
  const type = JOB_TYPES[name];
  if (!(type.queues as readonly string[]).includes(queue))
    throw new JobContractError(`job ${name} does not belong on queue ${queue}`);
  const { dedupeKey, ...rest } = opts;
  return {
    name,
    data: type.schema.parse(data),
    opts: { ...rest, ...(dedupeKey ? { jobId: toJobId(dedupeKey) } : {}) },
  };
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

  /** Adds one job, typed by the registry: `name` only on its queues, with its payload. */
  async add<N extends JobName>(queue: JobQueue<N>, name: N, data: JobInput<N>, opts: AddOptions = {}) {
    const job = buildJob(queue, name, data, opts);
    return this.queue(queue).add(job.name, job.data, job.opts);
  }

  /** Adds a job described as data (see JobSpec), as `add` does. */
  async addSpec(spec: JobSpec) {
    return this.addStored(spec.queue, spec.name, spec.data, { dedupeKey: spec.dedupeKey });
  }

  /** Adds many jobs of one name to one queue in one round trip (the webhook hot path). */
  async addBulk<N extends JobName>(
    queue: JobQueue<N>,
    name: N,
    jobs: ReadonlyArray<{ data: JobInput<N>; opts?: AddOptions }>,
  ) {
    return this.queue(queue).addBulk(jobs.map((j) => buildJob(queue, name, j.data, j.opts)));
  }

  /**
   * Adds a job read back from storage (a dead letter's queue, name and data): the same checks as
   * `add`, made at run time; a JobContractError or ZodError when it no longer fits.
   */
  async addStored(queue: string, name: string, data: unknown, opts: AddOptions = {}) {
    const job = buildJob(queue, name, data, opts);
    return this.queue(queue).add(job.name, job.data, job.opts);
  }

  /**
   * Adds `parent` so that it runs only once every child has finished: completed, or failed for
   * good (a failed child does not block the parent, it just contributed nothing). One atomic add.
   */
  async addFlow(parent: JobSpec, children: JobSpec[]) {
    if (!this.flows) {
      this.flows = new FlowProducer({ connection: this.connection, prefix: this.prefix });
      this.flows.on('error', () => {}); // as for queues: the add() that hit it rejects
    }
    const job = (j: JobSpec, extra: JobsOptions = {}) => {
      const built = buildJob(j.queue, j.name, j.data, { dedupeKey: j.dedupeKey });
      return {
        queueName: j.queue,
        name: built.name,
        data: built.data,
        opts: { ...jobOptionsFor(j.queue), ...built.opts, ...extra },
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
