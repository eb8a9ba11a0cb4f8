import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

/**
 * Each provider's rate limit, enforced as the provider does: a request beyond it answers 429 with
 * Retry-After (whole seconds until the window has room). Counted per sliding window of arrivals;
 * a refused request is not counted. Off unless set: SIM_LIMITS=published (the table below) or a
 * JSON object { name: {route, limit, windowMs} } at start, or PUT /__sim/limits at run time.
 * Beds24 counts credits, not requests: its pool is `beds24` here and is charged by its module.
 */
export const limitRule = z.object({
  /** Matched against "METHOD /path" (no query), like fault rules. */
  route: z.string(),
  limit: z.number().positive(),
  windowMs: z.number().int().min(1),
});
export type LimitRule = z.infer<typeof limitRule>;

export const limitsConfig = z.record(z.string(), limitRule);

/** What each provider publishes (docs/operations.md, "Provider budgets", lists the sources). */
export const PUBLISHED_LIMITS: Record<string, LimitRule> = {
  ghl: { route: '^\\S+ /ghl/', limit: 100, windowMs: 10_000 },
  // The sim's Stripe key is a test key: test mode allows 25/s (live 100/s).
  stripe: { route: '^\\S+ /stripe/', limit: 25, windowMs: 1_000 },
  // PayPal publishes no figure; this is the throttle Cauce assumes (PAYPAL_BUDGET_MAX).
  paypal: { route: '^\\S+ /paypal/', limit: 30, windowMs: 1_000 },
  manychat: { route: '^GET /manychat/fb/subscriber/findBySystemField$', limit: 50, windowMs: 1_000 },
  siigo: { route: '^\\S+ /siigo/', limit: 100, windowMs: 60_000 },
  callbell: { route: '^\\S+ /callbell/', limit: 300, windowMs: 1_000 },
  // Credits (charged by the Beds24 module), not requests.
  beds24: { route: '^\\S+ /beds24/', limit: 100, windowMs: 300_000 },
};

/** Credit pools are charged by their provider module rather than per request. */
const CREDIT_POOLS = new Set(['beds24']);

export interface LimitStats {
  admitted: number;
  rejected: number;
  /** Requests admitted, or credits spent for a credit pool. */
  units: number;
  /** Most requests (or credits) seen inside one window: never above the limit. */
  peakInWindow: number;
  /** Arrival of the first and the last admitted request (ms since the epoch; 0 before any). */
  firstAt: number;
  lastAt: number;
  /** Every admitted request as [arrival ms, units], oldest first: how full each window was. */
  arrivals: Array<[number, number]>;
}

const freshStats = (): LimitStats => ({
  admitted: 0,
  rejected: 0,
  units: 0,
  peakInWindow: 0,
  firstAt: 0,
  lastAt: 0,
  arrivals: [],
});

function admit(stats: LimitStats, units: number, inWindow: number, now: number) {
  stats.admitted++;
  stats.units += units;
  stats.peakInWindow = Math.max(stats.peakInWindow, inWindow);
  stats.firstAt ||= now;
  stats.lastAt = now;
  stats.arrivals.push([now, units]);
}

export class LimitEnforcer {
  private rules = new Map<string, LimitRule & { re: RegExp; log: number[]; stats: LimitStats }>();
  private readonly creditListeners = new Map<string, (rule: LimitRule | null) => void>();

  set(config: unknown): Record<string, LimitRule> {
    const parsed =
      config === 'published' ? PUBLISHED_LIMITS : config === 'off' ? {} : limitsConfig.parse(config);
    this.rules.clear();
    for (const [name, rule] of Object.entries(parsed))
      this.rules.set(name, {
        ...rule,
        re: new RegExp(rule.route),
        log: [],
        stats: freshStats(),
      });
    for (const [name, listener] of this.creditListeners) listener(parsed[name] ?? null);
    return this.list();
  }

  list(): Record<string, LimitRule> {
    return Object.fromEntries(
      [...this.rules].map(([n, { route, limit, windowMs }]) => [n, { route, limit, windowMs }]),
    );
  }

  /** A provider module that charges credits itself hears of its pool's limit (null: none). */
  onCreditPool(name: string, listener: (rule: LimitRule | null) => void): void {
    this.creditListeners.set(name, listener);
    const rule = this.rules.get(name);
    listener(rule ? { route: rule.route, limit: rule.limit, windowMs: rule.windowMs } : null);
  }

  /** Statistics of a credit pool, kept by its module. */
  recordCredits(name: string, cost: number | null, usedInWindow: number, now = Date.now()): void {
    const rule = this.rules.get(name);
    if (!rule) return;
    if (cost === null) rule.stats.rejected++;
    else admit(rule.stats, cost, usedInWindow, now);
  }

  stats(): Record<string, LimitStats> {
    return Object.fromEntries(
      [...this.rules].map(([n, r]) => [n, { ...r.stats, arrivals: [...r.stats.arrivals] }]),
    );
  }

  /** Forgets every window and statistic; the limits stay. */
  reset(): void {
    for (const r of this.rules.values()) {
      r.log = [];
      r.stats = freshStats();
    }
  }

  /** Admits a request or says how many seconds to wait (Retry-After). */
  decide(key: string, now = Date.now()): { retryAfter?: number } {
    for (const [name, rule] of this.rules) {
      if (CREDIT_POOLS.has(name) || !rule.re.test(key)) continue;
      while (rule.log.length && rule.log[0]! <= now - rule.windowMs) rule.log.shift();
      if (rule.log.length >= rule.limit) {
        rule.stats.rejected++;
        const oldest = rule.log[Math.max(0, rule.log.length - Math.ceil(rule.limit))]!;
        return { retryAfter: Math.max(1, Math.ceil((oldest + rule.windowMs - now) / 1000)) };
      }
      rule.log.push(now);
      admit(rule.stats, 1, rule.log.length, now);
    }
    return {};
  }
}

/** The onRequest hook (after fault injection) and the /__sim/limits control routes. */
export function registerLimits(app: FastifyInstance, limits: LimitEnforcer): void {
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/__sim')) return;
    const d = limits.decide(`${req.method} ${req.url.split('?')[0]}`);
    if (d.retryAfter !== undefined)
      return reply
        .code(429)
        .header('retry-after', String(d.retryAfter))
        .send({ success: false, error: 'rate limit exceeded', code: 'requests_limit' });
  });
  app.get('/__sim/limits', async () => ({ limits: limits.list(), stats: limits.stats() }));
  app.put('/__sim/limits', async (req) => ({ limits: limits.set(req.body) }));
}
