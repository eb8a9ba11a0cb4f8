import { z } from 'zod';

/** Variables every Cauce process reads. Apps extend this with their own in their config.ts. */
export const baseEnv = z
  .object({
    /** development, production or test. */
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    /** pino level: fatal, error, warn, info, debug, trace or silent. */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** PostgreSQL connection URL. */
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
    /** Redis connection URL (BullMQ needs maxmemory-policy noeviction). */
    REDIS_URL: z.url({ protocol: /^rediss?$/ }),
    /** REDIS_URL is one node of a Redis Cluster (the others are discovered); needs a hash-tagged QUEUE_PREFIX. */
    REDIS_CLUSTER: z
      .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
      .default('false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
    /**
     * PostgreSQL connections of this process: Prisma and raw SQL share one pool. Unset: the app's
     * own default (ingress 10, worker-bookings 6, worker-staging 6, worker-orders 3, worker-stock 3,
     * worker-whatsapp 2); replicas × this is the deployment's connection budget.
     */
    DB_POOL_MAX: z.coerce.number().int().min(1).max(200).optional(),
    /**
     * Named (prepared) statements on the hot paths. false behind a transaction-mode pooler without
     * prepared statement support: PgBouncer older than 1.21 (Debian 12 ships 1.18) or with
     * max_prepared_statements = 0.
     */
    DB_PREPARED_STATEMENTS: z
      .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
      .default('true')
      .transform((v) => v !== 'false' && v !== '0' && v !== 'no'),
    /**
     * BullMQ key prefix, also of every other Cauce key. The braces are a Redis Cluster hash tag:
     * every key lands in one slot. Before 2026-12 the default was `cauce` (set it to keep jobs
     * queued under that prefix). Tests give each file its own.
     */
    QUEUE_PREFIX: z.string().min(1).default('{cauce}'),
  })
  .refine((c) => !c.REDIS_CLUSTER || /\{[^}]+\}/.test(c.QUEUE_PREFIX), {
    path: ['QUEUE_PREFIX'],
    message: 'with REDIS_CLUSTER the prefix needs a hash tag, e.g. {cauce}',
  });

/** An optional value (a secret, a token): an empty variable (`X=` in a compose file) counts as unset. */
export const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

/** Comma-separated list env var. */
export const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

/** "true"/"false"/"1"/"0" env var (z.coerce.boolean treats "false" as true). */
export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses env with the schema; throws ConfigError with one line per bad variable. */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const res = schema.safeParse(env);
  if (res.success) return res.data;
  const issues = res.error.issues.map((i) => {
    const name = i.path.join('.') || '(root)';
    const value = i.path.length ? env[String(i.path[0])] : undefined;
    return value === undefined ? `${name} is missing (${i.message})` : `${name} is invalid: ${i.message}`;
  });
  throw new ConfigError(issues);
}

/**
 * For an app's main: parse, or print one line per bad variable and exit 1.
 * The only place process.env is read (apps pass nothing else around).
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  try {
    return parseConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.issues) process.stderr.write(`config: ${line}\n`);
      process.exit(1);
    }
    throw err;
  }
}
