import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';

/**
 * Fault injection, per route: latency, random errors, 429 bursts and scripted failures.
 * Set with POST /__sim/faults (body below) or SIM_FAULTS (same JSON, an array) at start.
 * A rule applies to requests whose "METHOD /path" (no query) matches `route` (a regex).
 */
export const faultRule = z.object({
  route: z.string().default('.*'),
  /** Fixed delay before answering. */
  latencyMs: z.number().int().min(0).default(0),
  /** Extra uniformly random delay in [0, latencyJitterMs). */
  latencyJitterMs: z.number().int().min(0).default(0),
  /** Share of requests answered with errorStatus, 0..1. */
  errorRate: z.number().min(0).max(1).default(0),
  errorStatus: z.number().int().min(400).max(599).default(500),
  /** The next N matching requests get 429 with Retry-After: retryAfterSeconds. */
  burst429: z.number().int().min(0).default(0),
  retryAfterSeconds: z.number().min(0).default(1),
  /**
   * A provider-wide rate-limit window: every matching request in the next N seconds (from when the
   * rule is set) gets 429 with Retry-After: the whole seconds left in the window.
   */
  rateLimitWindowSeconds: z.number().min(0).default(0),
  /** Scripted statuses for the next matching requests, consumed in order (e.g. [500, 500]). */
  failNext: z.array(z.number().int().min(400).max(599)).default([]),
  /** Never answer (the client must time out). */
  hang: z.boolean().default(false),
});
export type FaultRule = z.infer<typeof faultRule>;

export class FaultInjector {
  private rules: Array<FaultRule & { re: RegExp; windowUntil: number }> = [];

  private compile(r: unknown) {
    const rule = faultRule.parse(r);
    return {
      ...rule,
      re: new RegExp(rule.route),
      windowUntil: Date.now() + rule.rateLimitWindowSeconds * 1000,
    };
  }

  set(rules: unknown[]): FaultRule[] {
    this.rules = rules.map((r) => this.compile(r));
    return this.list();
  }

  add(rule: unknown): FaultRule[] {
    this.rules.push(this.compile(rule));
    return this.list();
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map(({ re: _re, windowUntil: _w, ...r }) => r);
  }

  /** Decides what to do with one request: delay, then maybe an error status. */
  decide(key: string): { delayMs: number; status?: number; retryAfter?: number; hang?: boolean } {
    let delayMs = 0;
    for (const rule of this.rules) {
      if (!rule.re.test(key)) continue;
      delayMs += rule.latencyMs + (rule.latencyJitterMs ? Math.random() * rule.latencyJitterMs : 0);
      if (rule.hang) return { delayMs, hang: true };
      if (rule.failNext.length) return { delayMs, status: rule.failNext.shift() };
      const windowLeft = rule.windowUntil - Date.now();
      if (windowLeft > 0) return { delayMs, status: 429, retryAfter: Math.ceil(windowLeft / 1000) };
      if (rule.burst429 > 0) {
        rule.burst429--;
        return { delayMs, status: 429, retryAfter: rule.retryAfterSeconds };
      }
      if (rule.errorRate > 0 && Math.random() < rule.errorRate) return { delayMs, status: rule.errorStatus };
    }
    return { delayMs };
  }
}

/** Registers the onRequest hook and the /__sim/faults control routes. */
export function registerFaults(app: FastifyInstance, faults: FaultInjector): void {
  app.addHook('onRequest', async (req: FastifyRequest, reply) => {
    if (req.url.startsWith('/__sim')) return;
    const key = `${req.method} ${req.url.split('?')[0]}`;
    const d = faults.decide(key);
    if (d.delayMs) await new Promise((r) => setTimeout(r, d.delayMs));
    if (d.hang) {
      await new Promise((r) => setTimeout(r, 3_600_000).unref());
      return reply;
    }
    if (d.status) {
      if (d.retryAfter !== undefined) reply.header('retry-after', String(d.retryAfter));
      return reply
        .code(d.status)
        .send({ success: false, error: `injected fault ${d.status}`, injected: true });
    }
  });
  app.get('/__sim/faults', async () => faults.list());
  app.put('/__sim/faults', async (req) => faults.set(z.array(z.unknown()).parse(req.body)));
  app.post('/__sim/faults', async (req) => faults.add(req.body));
  app.delete('/__sim/faults', async () => {
    faults.clear();
    return { cleared: true };
  });
}
