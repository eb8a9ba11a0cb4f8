import { z } from 'zod';
import { baseEnv } from './config.ts';

/** Env every worker app reads on top of its own. */
export const workerEnv = baseEnv.extend({
  /** Port for /metrics and /health. Each worker has its own default (9101 and up). */
  WORKER_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Interface for /metrics and /health: loopback unless opened (the Docker image sets 0.0.0.0). */
  WORKER_HOST: z.string().default('127.0.0.1'),
  /** Jobs processed at once per queue; unset: each queue's own default. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).optional(),
  /** How long SIGTERM waits for active jobs before forcing the workers closed. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** Multiplies every retry backoff delay; tests use e.g. 0.001 to run real schedules fast. */
  BACKOFF_TIME_SCALE: z.coerce.number().positive().default(1),
  /** Lock duration and stalled-check interval (ms): how soon a crashed worker's job is retaken. */
  JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How often (ms) workers look for stalled jobs of crashed workers. */
  STALLED_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
  /**
   * Longest provider time window honoured (ms): a Retry-After or a Beds24 credit pause pauses the
   * job's queue for at most this long, so a bogus Retry-After cannot stop a queue for days.
   */
  PROVIDER_WINDOW_MAX_MS: z.coerce.number().int().min(1000).default(900_000),
  /** Times a job may be handed back for a provider window without counting an attempt; later windows count. */
  PROVIDER_WINDOW_MAX_DEFERRALS: z.coerce.number().int().min(0).default(50),
});
export type WorkerConfig = z.infer<typeof workerEnv>;
