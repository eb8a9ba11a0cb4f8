import { type Logger, type LoggerOptions, pino } from 'pino';

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

export function createLogger(name: string, level = 'info', options: LoggerOptions = {}): Logger {
  return pino({
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { app: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...options,
  });
}
