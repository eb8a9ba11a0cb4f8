import { PermanentError, RetryableError } from '@cauce/runtime';
import CircuitBreaker from 'opossum';
import type { CircuitState } from './metrics.ts';

export interface BreakerOptions {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  resetTimeoutMs: number;
  rollingWindowMs: number;
  onStateChange?: (state: CircuitState) => void;
}

/**
 * The circuit breaker around every SIIGO call (opossum). Only failures that say SIIGO is
 * unwell count (5xx, 429, timeouts, network): a 404 or a validation error is our problem, not
 * SIIGO's. While open, calls fail at once with a RetryableError (code circuit_open) instead of
 * waiting on a dead API; after the cool-down one trial call decides.
 */
export class SiigoBreaker {
  private readonly cb: CircuitBreaker<[() => Promise<unknown>], unknown>;

  constructor(opts: BreakerOptions) {
    this.cb = new CircuitBreaker(async (fn: () => Promise<unknown>) => fn(), {
      timeout: false,
      errorThresholdPercentage: opts.errorThresholdPercentage,
      volumeThreshold: opts.volumeThreshold,
      resetTimeout: opts.resetTimeoutMs,
      rollingCountTimeout: opts.rollingWindowMs,
      rollingCountBuckets: 10,
      errorFilter: (err: unknown) => err instanceof PermanentError,
    });
    this.cb.on('open', () => opts.onStateChange?.('open'));
    this.cb.on('halfOpen', () => opts.onStateChange?.('half_open'));
    this.cb.on('close', () => opts.onStateChange?.('closed'));
  }

  get state(): CircuitState {
    if (this.cb.opened) return 'open';
    if (this.cb.halfOpen) return 'half_open';
    return 'closed';
  }

  /** True when a call would be refused right now (open, cool-down not over). */
  get refusing(): boolean {
    return this.cb.opened;
  }

  async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return (await this.cb.fire(fn)) as T;
    } catch (err) {
      if ((err as { code?: string }).code === 'EOPENBREAKER') {
        throw new RetryableError('SIIGO circuit breaker is open: not calling SIIGO during the cool-down', {
          provider: 'siigo',
          code: 'circuit_open',
        });
      }
      throw err;
    }
  }

  shutdown(): void {
    this.cb.shutdown();
  }
}
