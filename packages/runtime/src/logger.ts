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
 * itself when that level is off.
 */
export function lazyChild(log: Logger, bindings: Record<string, unknown>): LazyLogger {
  let child: Logger | undefined;
  const real = () => {
    child ??= log.child(bindings);
    return child;
  };
  const at =
    (level: (typeof LEVELS)[number]): LogFn =>
    (objOrMsg, ...args) => {
      if (!log.isLevelEnabled(level)) return;
      (real()[level] as (...a: unknown[]) => void)(objOrMsg, ...args);
    };
  return {
    ...(Object.fromEntries(LEVELS.map((l) => [l, at(l)])) as Record<(typeof LEVELS)[number], LogFn>),
    child: (b, options) => real().child(b, options),
    get level() {
      return (child ?? log).level;
    },
    silent: () => {},
  };
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
