import {
  createRedis,
  createScrubber,
  isPermanent,
  PermanentError,
  providerWindowMs,
  type RedisConnection,
  secretValues,
} from '@cauce/base';
import { createDatabase, type Db, failUnsettledWebhookEvent, type PgPool, recordDeadLetter } from '@cauce/db';
import {
  isJobName,
  JOBS,
  type JobData,
  type JobName,
  type JobsOf,
  Producer,
  parseJobData,
  type QueueName,
} from '@cauce/queues';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { backoffDelay } from './backoff.ts';
import { type HealthReport, startHealthServer } from './health-server.ts';
import { createLogger, type LazyLogger, type Logger, lazyChild } from './logger.ts';
import { createJobMetrics, createRegistry, type JobMetrics } from './metrics.ts';
import { registerQueueMetrics } from './queue-metrics.ts';
import { warnIfEvicting, warnIfLegacyPrefix } from './redis.ts';
import { keepWasmOnBaselineTier } from './wasm-tier.ts';
import type { WorkerConfig } from './worker-config.ts';
import { appConnectionName } from './worker-registry.ts';

/** This attempt is the job's last: failing it dead-letters the job. */
export const isLastAttempt = (job: Job) => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

/**
 * Times this job went back to its queue without an attempt counted: provider windows (and the
 * rare stall). BullMQ counts every start in attemptsStarted and only failures in attemptsMade.
 */
const deferralsOf = (job: Job) => Math.max(0, (job.attemptsStarted ?? 0) - job.attemptsMade - 1);

/** The settings that bound how long a job may wait out provider windows. */
export type ProviderWindowConfig = Pick<
  WorkerConfig,
  'PROVIDER_WINDOW_MAX_MS' | 'PROVIDER_WINDOW_MAX_DEFERRALS'
>;

/**
 * The window to wait before trying this job again when `err` is a provider time window
 * (Retry-After, Beds24 credits) the job may still wait for without counting an attempt, capped at
 * PROVIDER_WINDOW_MAX_MS; undefined for every other error, and once the job has waited
 * PROVIDER_WINDOW_MAX_DEFERRALS windows (a provider that never stops asking ends like any outage).
 */
export function deferralWindowMs(job: Job, err: unknown, config: ProviderWindowConfig): number | undefined {
  const ms = providerWindowMs(err);
  if (ms === undefined || deferralsOf(job) >= config.PROVIDER_WINDOW_MAX_DEFERRALS) return undefined;
  return Math.min(ms, config.PROVIDER_WINDOW_MAX_MS);
}

/**
 * This failure ends the job: a permanent error, or the last attempt failing for another reason
 * than a provider window (such a job goes back to its queue instead). Handlers that settle
 * their own records `failed` ask this, so they agree with the dead-lettering.
 */
export const isFinalFailure = (job: Job, err: unknown, config: ProviderWindowConfig) =>
  isPermanent(err) ||
  (err instanceof Error && err.name === 'ZodError') ||
  (deferralWindowMs(job, err, config) === undefined && isLastAttempt(job));

/**
 * Workers without a limiter of their own get one that never limits: BullMQ only honours a manual
 * rate limit (`queue.rateLimit`, how a provider window pauses a queue) on workers with a limiter.
 */
const NO_LIMIT = { max: 1_000_000_000, duration: 1_000 };

/** Largest limiter value: what `queue.rateLimit` stores, so a TTL read with it sees only manual windows. */
const MANUAL_LIMIT = Number.MAX_SAFE_INTEGER;

/** What a job handler can use: one of each, shared by every handler of the app. */
export interface WorkerContext<C extends WorkerConfig = WorkerConfig> {
  name: string;
  config: C;
  db: Db;
  /** The same pool Prisma uses, for raw SQL (one pool per process). */
  pool: PgPool;
  redis: RedisConnection;
  producer: Producer;
  log: Logger;
  registry: Registry;
  metrics: JobMetrics;
}

/** One job's handler: `job.data` is already parsed by the job's schema (defaults applied). */
export type JobHandler<N extends JobName, C extends WorkerConfig = WorkerConfig> = (
  job: Job<JobData<N>>,
  ctx: WorkerContext<C>,
) => Promise<unknown>;

/** A queue's handlers by job name: only names the registry puts on that queue. */
export type JobHandlers<Q extends QueueName, C extends WorkerConfig = WorkerConfig> = {
  [N in JobsOf<Q>]?: JobHandler<N, C>;
};

export interface QueueHandlerOf<C extends WorkerConfig, Q extends QueueName> {
  queue: Q;
  /** A job whose name has no handler here fails permanently (dead-lettered, visible). */
  jobs: JobHandlers<Q, C>;
  concurrency?: number;
  /**
   * Jobs of this queue running at once across EVERY replica (BullMQ global concurrency, kept in
   * Redis): 1 for a queue that must run one job at a time in the fleet. WORKER_CONCURRENCY never
   * raises it, and each process then takes at most this many jobs too.
   */
  globalConcurrency?: number;
  /** Provider rate limit for this queue, shared by every replica (BullMQ limiter lives in Redis). */
  limiter?: { max: number; duration: number };
}

/** A handler of one queue, its `jobs` checked against that queue's job names. */
export type QueueHandler<C extends WorkerConfig = WorkerConfig> = {
  [Q in QueueName]: QueueHandlerOf<C, Q>;
}[QueueName];

export interface WorkerAppOptions<C extends WorkerConfig> {
  name: string;
  config: C;
  defaultPort: number;
  /** PostgreSQL connections when DB_POOL_MAX is unset: what this app's queues need at once (4). */
  defaultPoolMax?: number;
  handlers: (ctx: WorkerContext<C>) => QueueHandler<C>[] | Promise<QueueHandler<C>[]>;
  /**
   * Runs after workers start: job schedulers, watchers. Runs again after every Redis reconnect
   * (Redis may come back without its data, and job schedulers live there), so keep it idempotent.
   */
  onStart?: (ctx: WorkerContext<C>) => Promise<void> | void;
  /** Runs first at shutdown. */
  onStop?: (ctx: WorkerContext<C>) => Promise<void> | void;
  /** Runs last at shutdown, after every job ended: releases what the handlers held (pools, clients). */
  onClosed?: (ctx: WorkerContext<C>) => Promise<void> | void;
  /** Extra fields (and possibly a degraded status) for /health. */
  health?: (ctx: WorkerContext<C>) => Promise<Partial<HealthReport>> | Partial<HealthReport>;
  /** Queues whose depth this app exports (defaults to the handled ones). */
  metricQueues?: string[];
}

export interface WorkerApp<C extends WorkerConfig = WorkerConfig> {
  ctx: WorkerContext<C>;
  workers: Worker[];
  /** Its /metrics + /health server; null when embedded (all-in-one serves them once for every role). */
  server: FastifyInstance | null;
  port: number;
  /** What /health answers. */
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

/** How a worker app runs: alone (its own /metrics and /health), or embedded in the all-in-one process. */
export interface WorkerAppMode {
  /** false: no HTTP server and no process metrics of its own (the all-in-one process has them once). */
  serve?: boolean;
}

/**
 * Starts a worker app: BullMQ Workers for each handler (concurrency and limiter from config),
 * job metrics, dead-lettering on the final failure, /metrics + /health, and a close() that
 * lets active jobs finish within SHUTDOWN_TIMEOUT_MS.
 */
export async function startWorkerApp<C extends WorkerConfig>(
  opts: WorkerAppOptions<C>,
  { serve = true }: WorkerAppMode = {},
): Promise<WorkerApp<C>> {
  const { config } = opts;
  const secrets = secretValues(config);
  const log = createLogger(opts.name, config.LOG_LEVEL, { secrets });
  const registry = createRegistry(opts.name, { processMetrics: serve });
  const metrics = createJobMetrics(registry);
  // Named, so the ingress's /api/ready sees this app alive (worker-registry.ts).
  const redis = createRedis(config.REDIS_URL, {
    cluster: config.REDIS_CLUSTER,
    connectionName: appConnectionName(config.QUEUE_PREFIX, opts.name),
  });
  keepWasmOnBaselineTier();
  const database = createDatabase(config.DATABASE_URL, {
    max: config.DB_POOL_MAX ?? opts.defaultPoolMax ?? 4,
    namedStatements: config.DB_PREPARED_STATEMENTS,
    onError: (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection lost'),
  });
  const { db, pool } = database;
  const producer = new Producer(redis, config.QUEUE_PREFIX);
  const ctx: WorkerContext<C> = {
    name: opts.name,
    config,
    db,
    pool,
    redis,
    producer,
    log,
    registry,
    metrics,
  };
  await warnIfEvicting(redis, log);

  const handlers = await opts.handlers(ctx);
  await warnIfLegacyPrefix(
    redis,
    config.QUEUE_PREFIX,
    handlers.map((h) => h.queue),
    log,
  );
  // Before any worker takes a job, so a singleton queue is never run twice at once.
  await applyGlobalConcurrency(ctx, handlers);
  const scrub = createScrubber(secrets);
  const workers = handlers.map((h) => createWorker(ctx, h, scrub));
  const queueMetrics = registerQueueMetrics(
    registry,
    opts.metricQueues ?? handlers.map((h) => h.queue),
    redis,
    config.QUEUE_PREFIX,
  );
  await opts.onStart?.(ctx);

  let closing = false;
  // Already connected (warnIfEvicting answered): 'ready' from here on means a reconnect.
  const rerunOnStart = () => {
    if (closing) return;
    // Redis may have come back without its data: the global concurrency settings live there too.
    applyGlobalConcurrency(ctx, handlers).catch((err) =>
      log.warn(
        { err: (err as Error).message },
        'could not set global concurrency after a RedisConnection reconnect',
      ),
    );
    Promise.resolve(opts.onStart?.(ctx)).catch((err) =>
      log.warn(
        { err: (err as Error).message },
        'could not re-create job schedulers after a RedisConnection reconnect',
      ),
    );
  };
  redis.on('ready', rerunOnStart);
  const health = async (): Promise<HealthReport> => {
    const extra = (await opts.health?.(ctx)) ?? {};
    const redisOk = redis.status === 'ready';
    return {
      app: opts.name,
      queues: handlers.map((h) => h.queue),
      redis: redisOk ? 'up' : redis.status,
      shuttingDown: closing,
      ...extra,
      status: !redisOk || closing ? 'down' : (extra.status ?? 'ok'),
    };
  };
  const server = serve
    ? await startHealthServer({
        registry,
        port: config.WORKER_PORT ?? opts.defaultPort,
        host: config.WORKER_HOST,
        health,
      })
    : null;
  const address = server?.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  log.info({ port, queues: handlers.map((h) => h.queue) }, 'worker started');

  return {
    ctx,
    workers,
    server,
    port,
    health,
    async close() {
      if (closing) return;
      closing = true;
      redis.off('ready', rerunOnStart);
      log.info('shutting down: no new jobs, waiting for active ones');
      await opts.onStop?.(ctx);
      const graceful = Promise.all(workers.map((w) => w.close()));
      const timedOut = await Promise.race([
        graceful.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), config.SHUTDOWN_TIMEOUT_MS).unref()),
      ]);
      if (timedOut) {
        // Jobs still active go back to the queue through stalled-job recovery: nothing is lost.
        log.warn(
          { timeoutMs: config.SHUTDOWN_TIMEOUT_MS },
          'active jobs did not finish in time; forcing close',
        );
        await Promise.all(workers.map((w) => w.close(true)));
      }
      await queueMetrics.close();
      await producer.close();
      await server?.close();
      await opts.onClosed?.(ctx);
      await database.close();
      redis.disconnect();
      log.info('stopped');
    },
  };
}

function createWorker<C extends WorkerConfig>(
  ctx: WorkerContext<C>,
  h: QueueHandler<C>,
  scrub: (text: string) => string,
): Worker {
  const { config, metrics, log, db } = ctx;
  const worker = new Worker(
    h.queue,
    async (job) => {
      const labels = { queue: h.queue, type: job.name };
      const end = metrics.duration.startTimer(labels);
      const attempt = job.attemptsMade + 1;
      const jobLog = lazyChild(log, { jobId: job.id, queue: h.queue, type: job.name, attempt });
      try {
        const handler = (h.jobs as Partial<Record<string, JobHandler<JobName, C>>>)[job.name];
        if (!handler) throw new PermanentError(`no handler for job ${job.name} on ${h.queue}`);
        // Handlers see the payload as its schema reads it (a ZodError here is a permanent failure).
        if (isJobName(job.name)) job.data = parseJobData(job.name, job.data);
        const result = await handler(job, ctx);
        metrics.processed.inc(labels);
        end({ outcome: 'completed' });
        jobLog.debug('job completed');
        return result;
      } catch (raw) {
        const err = raw instanceof Error ? raw : new Error(String(raw));
        const windowMs = deferralWindowMs(job, err, config);
        if (windowMs !== undefined) {
          // The provider asked the whole account to wait (one queue per provider): pause the
          // queue for the window and hand this job back without counting an attempt.
          await pauseQueue(ctx, h.queue, windowMs);
          end({ outcome: 'rate_limited' });
          metrics.rateLimited.inc(labels);
          jobLog.warn(
            { err: err.message, windowMs },
            'provider asked to wait; queue paused, attempt not counted',
          );
          throw Worker.RateLimitError();
        }
        end({ outcome: 'failed' });
        const permanent = isPermanent(err) || err.name === 'ZodError';
        const final = isFinalFailure(job, err, config);
        metrics.failed.inc({ ...labels, final: String(final) });
        if (final) {
          // Written before BullMQ marks the job failed, so a crash right here cannot lose it.
          await recordDeadLetter(db, h.queue, job, err, attempt, {
            onRetry: deadLetterRetryLog(jobLog),
            scrub,
          });
          metrics.deadLettered.inc(labels);
          jobLog.error({ err }, 'job failed for good; copied to job_failures');
        } else {
          jobLog.warn({ err: err.message }, 'job attempt failed; will retry');
        }
        if (permanent && !(err instanceof UnrecoverableError)) throw new UnrecoverableError(err.message);
        throw err;
      }
    },
    {
      connection: ctx.redis,
      prefix: config.QUEUE_PREFIX,
      // Listed by queue.getWorkers() under this app's name (the queue_workers gauge).
      name: ctx.name,
      concurrency: h.globalConcurrency ?? config.WORKER_CONCURRENCY ?? h.concurrency ?? 5,
      limiter: h.limiter ?? NO_LIMIT,
      lockDuration: config.JOB_LOCK_MS,
      stalledInterval: config.STALLED_INTERVAL_MS,
      settings: {
        backoffStrategy: (attemptsMade, type, _err, job) =>
          backoffDelay(
            type,
            Number(job?.opts.backoff && typeof job.opts.backoff === 'object' ? job.opts.backoff.delay : 1000),
            attemptsMade,
            config.BACKOFF_TIME_SCALE,
          ),
      },
    },
  );
  worker.on('failed', (job, err) => {
    // A job that stalled too often fails without running our processor: dead-letter it here.
    if (job && /stalled/i.test(err.message)) {
      recordDeadLetter(db, h.queue, job, err, job.attemptsMade, {
        onRetry: deadLetterRetryLog(log),
        scrub,
      }).catch((e) => log.error({ err: e }, 'dead-letter write failed'));
      metrics.deadLettered.inc({ queue: h.queue, type: job.name });
      // Its stored webhook event never got the lifecycle's final settle: give it one.
      if (job.name === JOBS.webhookEvent && job.data?.webhookEventId !== undefined)
        failUnsettledWebhookEvent(db, job.data.webhookEventId, err.message).catch((e) =>
          log.error({ err: e }, "could not settle the stalled job's webhook event"),
        );
    }
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  return worker;
}

/** Stores each handler's fleet-wide concurrency on its queue (idempotent). */
async function applyGlobalConcurrency(
  ctx: WorkerContext,
  handlers: readonly Pick<QueueHandler, 'queue' | 'globalConcurrency'>[],
) {
  for (const h of handlers)
    if (h.globalConcurrency !== undefined)
      await ctx.producer.queue(h.queue).setGlobalConcurrency(h.globalConcurrency);
}

/** Starts (or extends, never shortens) the queue's manual rate limit: no replica takes its jobs meanwhile. */
async function pauseQueue(ctx: WorkerContext, queueName: string, ms: number) {
  const queue = ctx.producer.queue(queueName);
  if ((await queue.getRateLimitTtl(MANUAL_LIMIT)) < ms) await queue.rateLimit(ms);
}

const deadLetterRetryLog = (log: Logger | LazyLogger) => (err: unknown, attempt: number) =>
  log.warn(
    { err: err instanceof Error ? err.message : String(err), attempt },
    'dead-letter write failed; retrying',
  );

/** For an app's main: start, then close gracefully on SIGTERM/SIGINT. */
export async function runWorkerApp<C extends WorkerConfig>(opts: WorkerAppOptions<C>): Promise<WorkerApp<C>> {
  const app = await startWorkerApp(opts);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(1);
    app.ctx.log.info({ signal }, 'signal received');
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.ctx.log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return app;
}
