export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Rejects with TimeoutError when `p` takes longer than `ms`. The ingress' Redis connection queues
 * commands while Redis is away (BullMQ needs that), so an operator request would otherwise hang.
 * `p` itself keeps running: callers must be safe if it completes after the timeout.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what = 'Redis'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
