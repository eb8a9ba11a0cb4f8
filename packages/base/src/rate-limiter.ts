/**
 * In-process token bucket: at most `max` requests per `intervalMs`, spread evenly.
 * Each provider client owns one, so its calls never exceed the provider's budget from this process;
 * the BullMQ queue limiter bounds the whole fleet.
 */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly max: number,
    private readonly intervalMs: number,
  ) {
    if (max <= 0 || intervalMs <= 0) throw new Error('RateLimiter needs max > 0 and intervalMs > 0');
    this.tokens = max;
  }

  /** Resolves when one request may go. Callers are served in arrival order. */
  take(): Promise<void> {
    const next = this.chain.then(() => this.waitForToken());
    this.chain = next.catch(() => {});
    return next;
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.max, this.tokens + ((now - this.last) * this.max) / this.intervalMs);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const waitMs = Math.ceil(((1 - this.tokens) * this.intervalMs) / this.max);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}
