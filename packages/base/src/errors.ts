/**
 * Provider errors say whether trying again can help. Workers let BullMQ retry a
 * RetryableError and fail fast (UnrecoverableError) on a PermanentError.
 */
export class ProviderError extends Error {
  readonly retryable: boolean = false;
  constructor(
    message: string,
    readonly details: {
      provider?: string;
      status?: number;
      code?: string;
      retryAfterMs?: number;
      body?: unknown;
    } = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 429, 5xx, timeouts, connection failures. */
export class RetryableError extends ProviderError {
  override readonly retryable = true;
}

/** 4xx other than 429, validation failures, bad configuration. */
export class PermanentError extends ProviderError {
  override readonly retryable = false;
}

export function isPermanent(err: unknown): boolean {
  return err instanceof PermanentError || (err instanceof Error && err.name === 'UnrecoverableError');
}

/**
 * How long the provider asked us to wait, when the error is a provider time window: a 429/503
 * with Retry-After, or Beds24's exhausted credit window. Workers hand such a job back to its
 * queue for that long without counting an attempt (worker-app.ts).
 */
export function providerWindowMs(err: unknown): number | undefined {
  if (!(err instanceof RetryableError)) return undefined;
  const ms = err.details.retryAfterMs;
  return ms !== undefined && ms > 0 ? ms : undefined;
}
