import { createScrubber } from '@cauce/base';
import { type ChildLoggerOptions, type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

/**
 * Paths pino replaces with [redacted]. Secrets never reach the log; neither do full contact
 * data (emails, phones) from provider payloads.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["stripe-signature"]',
  'req.headers["x-ghl-signature"]',
  'req.headers["x-wh-signature"]',
  'req.headers["paypal-transmission-sig"]',
  'req.headers.token',
  'req.headers.refreshtoken',
  'headers.authorization',
  'headers.token',
  '*.authorization',
  '*.Authorization',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.access_key',
  '*.accessKey',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.api_key',
  '*.email',
  '*.phone',
  '*.mobile',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'password',
  'secret',
  'apiKey',
  'email',
  'phone',
];

export interface CauceLoggerOptions extends LoggerOptions {
  /** The app's configured secrets (`secretValues(config)`): masked in every line, in every encoding. */
  secrets?: readonly string[];
}

/**
 * Besides the key paths above, every written line goes through the scrubber (secrets.ts): webhook
 * path tokens, secret query values and the configured secrets are masked wherever they appear
 * (request URLs, error messages and stacks, provider error bodies), not only under known keys.
 */
export function createLogger(
  name: string,
  level = 'info',
  { secrets = [], ...options }: CauceLoggerOptions = {},
  destination?: DestinationStream,
): Logger {
  const scrub = createScrubber(secrets);
  const opts: LoggerOptions = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { app: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: { streamWrite: scrub },
    ...options,
  };
  return destination ? pino(opts, destination) : pino(opts);
}

type LogFn = (objOrMsg: object | string, ...args: unknown[]) => void;
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LazyLogger = Record<(typeof LEVELS)[number], LogFn> & {
  child(bindings: Record<string, unknown>, options?: ChildLoggerOptions): Logger;
  readonly level: string;
  silent(): void;
};

/**
 * A child logger made on its first line at an enabled level. pino redacts a child's bindings
 * when it is created, which on a per-job or per-request hot path costs more than the logging
 * itself when that level is off. A class, so a request allocates one small object, not a closure
 * per level.
 */
class LazyChild implements LazyLogger {
  private made: Logger | undefined;
  constructor(
    private readonly log: Logger,
    private readonly bindings: Record<string, unknown>,
  ) {}
  private write(level: (typeof LEVELS)[number], args: [object | string, ...unknown[]]) {
    if (!this.log.isLevelEnabled(level)) return;
    this.made ??= this.log.child(this.bindings);
    (this.made[level] as (...a: unknown[]) => void)(...args);
  }
  fatal(...args: [object | string, ...unknown[]]) {
    this.write('fatal', args);
  }
  error(...args: [object | string, ...unknown[]]) {
    this.write('error', args);
  }
  warn(...args: [object | string, ...unknown[]]) {
    this.write('warn', args);
  }
  info(...args: [object | string, ...unknown[]]) {
    this.write('info', args);
  }
  debug(...args: [object | string, ...unknown[]]) {
    this.write('debug', args);
  }
  trace(...args: [object | string, ...unknown[]]) {
    this.write('trace', args);
  }
  child(bindings: Record<string, unknown>, options?: ChildLoggerOptions): Logger {
    this.made ??= this.log.child(this.bindings);
    return this.made.child(bindings, options);
  }
  get level() {
    return (this.made ?? this.log).level;
  }
  silent() {}
}

export function lazyChild(log: Logger, bindings: Record<string, unknown>): LazyLogger {
  return new LazyChild(log, bindings);
}

/**
 * Fastify's `childLoggerFactory` with lazy request loggers: a request that logs nothing (every
 * webhook at LOG_LEVEL=warn) never builds its child. A route with its own log level gets a real one.
 */
export function lazyRequestLogger(
  logger: Logger,
  bindings: Record<string, unknown>,
  options: ChildLoggerOptions,
): Logger | LazyLogger {
  return options.level ? logger.child(bindings, options) : lazyChild(logger, bindings);
}
