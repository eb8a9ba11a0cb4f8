import { createHash, randomBytes } from 'node:crypto';
import { Counter, Histogram, type Registry } from 'prom-client';
import { RetryableError } from './errors.ts';
import { parseRetryAfter } from './http-client.ts';
import type { RedisConnection } from './redis.ts';
import { registered } from './registered-metric.ts';

/** What a provider's response says about its own budget (Beds24's credit headers). */
export interface BudgetReport {
  /** Units left in the provider's window. */
  remaining: number | null;
  /** When the provider's window resets, in ms from now. */
  resetsInMs: number | null;
  /** What this call really cost (replaces the estimate taken before it). */
  cost: number | null;
}

export interface ProviderBudgetOptions {
  redis: RedisConnection;
  /** Key prefix (the app's QUEUE_PREFIX); the budget's own part is hash-tagged for Redis Cluster. */
  prefix: string;
  /** Provider name: a metric label and part of the key. */
  provider: string;
  /** The provider account the budget belongs to: a non-secret id, or `accountLabel(secret)`. */
  account: string;
  /** Units (requests, or credits) allowed per window, for the whole fleet. */
  limit: number;
  windowMs: number;
  /**
   * Added to the window, for a provider whose clock for a call starts after its answer left
   * (entries are already scored when the answer came back). Default 0.
   */
  marginMs?: number;
  /**
   * Longest a call waits for the budget; beyond it fails retryable with `retryAfterMs` (the queue
   * waits). Default: one window (at least 30 s), so a spent budget is always waited out in the call
   * and only a provider's longer block goes back to the queue.
   */
  maxWaitMs?: number;
  /**
   * How long an unanswered call holds its slot before the window starts counting down (a process
   * that died mid-call never settles it). Default 60 s, longer than the HTTP clients' timeouts.
   */
  inFlightTtlMs?: number;
  /** Units a call takes before its real cost is known (Beds24: the usual cost of a page). Default 1. */
  estimatedCost?: number;
  /** Reads the provider's own view of the budget from a response (credit headers). */
  readReport?: (headers: Record<string, string>) => BudgetReport | null;
  /** Below this many units left (as the provider reports it), the fleet waits for the reset. */
  floor?: number;
  /** Where the budget's metrics go (shared by every budget on the registry). */
  registry?: Registry;
}

/** A ticket for one admitted call: report its response with `settle`. */
export interface BudgetTicket {
  id: string;
  cost: number;
}

/**
 * A provider's non-secret account label from a secret (an API key): a short sha256 prefix, so a
 * metric or key never carries the key itself yet two accounts stay apart.
 */
export function accountLabel(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 12);
}

/**
 * The budget is a sliding-window log (a sorted set, one member per call, its cost in the member).
 * A call goes when the costs inside the last window plus its own fit the limit; otherwise the
 * answer is how long until the oldest entries leave the window. A sliding log never lets more than
 * `limit` through in *any* window of that length, so it also respects a provider counting in fixed
 * windows or with a token bucket, and it carries fractional costs (Beds24 credits).
 *
 * The provider counts a call when it *arrives*, some time after we admitted it (a busy event loop
 * can add seconds). So an entry is scored by when its call *ended* (the answer came back, after
 * the provider counted it): admitted, it is "in flight" (`p:` member, scored `inFlightTtlMs` ahead
 * so a process that dies mid-call cannot free it early); settled, it is re-scored with the Redis
 * time of the answer. A slot is free again only a window after the provider saw the call. Redis'
 * clock is the one clock of the fleet. A block key (a 429's Retry-After, an exhausted credit
 * report) holds every caller.
 *
 * KEYS[1] log, KEYS[2] block; ARGV: windowMs, limit, cost, member id, peek ('1': only ask),
 * in-flight ttl ms, poll ms (the wait while the freeing entry is still in flight).
 * Returns {1, 0} admitted (or would be), or {0, waitMs}.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local cost = math.min(tonumber(ARGV[3]), limit)
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then return {0, blocked - now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #entries, 2 do used = used + tonumber(string.match(entries[i], ':([^:]+)$')) end
if used + cost <= limit then
  if ARGV[5] == '1' then return {1, 0} end
  local ttl = tonumber(ARGV[6])
  redis.call('ZADD', KEYS[1], now + ttl, 'p:' .. ARGV[4] .. ':' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + ttl + window)
  return {1, 0}
end
local freed = 0
for i = 1, #entries, 2 do
  freed = freed + tonumber(string.match(entries[i], ':([^:]+)$'))
  if used - freed + cost <= limit then
    if string.sub(entries[i], 1, 2) == 'p:' then return {0, tonumber(ARGV[7])} end
    return {0, math.max(1, tonumber(entries[i + 1]) + window - now)}
  end
end
return {0, tonumber(ARGV[7])}
`;

/**
 * What an answer said. ARGV: windowMs, member id or '', real cost or '', provider's remaining or
 * '', resets-in ms or '', block ms or '', floor, limit, ms since the answer arrived.
 * - the call's entry leaves "in flight", scored when the answer arrived (the provider had counted
 *   the call by then; the time we took to read the body and get here is not the provider's), with
 *   its real cost when the answer gave one;
 * - a provider that has less left than the log thinks gets an entry for the difference that
 *   expires when its window resets (so every replica sees what the provider sees);
 * - a block (Retry-After, or remaining under the floor) only ever extends.
 */
const SETTLE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[8])
local answered = now - math.max(0, tonumber(ARGV[9]))
if ARGV[2] ~= '' then
  local entries = redis.call('ZRANGE', KEYS[1], 0, -1)
  local prefix = 'p:' .. ARGV[2] .. ':'
  for i = 1, #entries do
    if string.sub(entries[i], 1, #prefix) == prefix then
      local cost = ARGV[3]
      if cost == '' then cost = string.sub(entries[i], #prefix + 1) end
      redis.call('ZREM', KEYS[1], entries[i])
      redis.call('ZADD', KEYS[1], answered, ARGV[2] .. ':' .. cost)
      break
    end
  end
end
local block = 0
if ARGV[4] ~= '' and ARGV[5] ~= '' then
  local remaining = tonumber(ARGV[4])
  local resets = tonumber(ARGV[5])
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
  local entries = redis.call('ZRANGE', KEYS[1], 0, -1)
  local used = 0
  for i = 1, #entries do used = used + tonumber(string.match(entries[i], ':([^:]+)$')) end
  local missing = (limit - used) - remaining
  if missing > 0 then
    redis.call('ZADD', KEYS[1], now + resets - window, 'provider-' .. now .. '-' .. ARGV[2] .. ':' .. missing)
  end
  if remaining < tonumber(ARGV[7]) then block = resets end
end
if ARGV[6] ~= '' then block = math.max(block, tonumber(ARGV[6])) end
if block > 0 then
  local untilMs = now + block
  local current = tonumber(redis.call('GET', KEYS[2]) or '0')
  if untilMs > current then redis.call('SET', KEYS[2], untilMs, 'PX', block) end
end
return block
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function budgetMetrics(registry: Registry) {
  const labelNames = ['provider', 'account'] as const;
  return {
    calls: registered(
      registry,
      'provider_budget_calls_total',
      () =>
        new Counter({
          name: 'provider_budget_calls_total',
          help: 'Provider calls admitted by the fleet-wide budget',
          labelNames,
          registers: [registry],
        }),
    ),
    waits: registered(
      registry,
      'provider_budget_wait_seconds',
      () =>
        new Histogram({
          name: 'provider_budget_wait_seconds',
          help: 'Time a provider call waited for the fleet-wide budget (only calls that waited)',
          labelNames,
          buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
          registers: [registry],
        }),
    ),
    deferred: registered(
      registry,
      'provider_budget_deferred_total',
      () =>
        new Counter({
          name: 'provider_budget_deferred_total',
          help: 'Provider calls handed back to the queue because the budget would not free within the longest wait',
          labelNames,
          registers: [registry],
        }),
    ),
    rejected: registered(
      registry,
      'provider_budget_429_total',
      () =>
        new Counter({
          name: 'provider_budget_429_total',
          help: 'Provider answers 429 (each blocks the whole fleet until its Retry-After)',
          labelNames,
          registers: [registry],
        }),
    ),
  };
}

/**
 * One provider account's request (or credit) budget in Redis, shared by every replica and queue
 * that calls it. `take()` before a call waits until the budget allows it; `settle()` after it
 * feeds back what the provider said (429 + Retry-After, credit headers).
 */
export class ProviderBudget {
  readonly provider: string;
  readonly account: string;
  readonly limit: number;
  readonly windowMs: number;
  private readonly keys: [string, string];
  private readonly effectiveWindowMs: number;
  private readonly maxWaitMs: number;
  private readonly inFlightTtlMs: number;
  private readonly pollMs: number;
  private readonly metrics?: ReturnType<typeof budgetMetrics>;
  private readonly labels: { provider: string; account: string };

  constructor(private readonly opts: ProviderBudgetOptions) {
    if (!(opts.limit > 0) || !(opts.windowMs > 0))
      throw new Error(`provider budget ${opts.provider}: limit and windowMs must be > 0`);
    this.provider = opts.provider;
    this.account = opts.account;
    this.limit = opts.limit;
    this.windowMs = opts.windowMs;
    this.effectiveWindowMs = opts.windowMs + (opts.marginMs ?? 0);
    this.inFlightTtlMs = opts.inFlightTtlMs ?? 60_000;
    // While the slot that would free is still in flight, ask again soon: about one call's share.
    this.pollMs = Math.round(Math.min(250, Math.max(10, opts.windowMs / opts.limit)));
    this.maxWaitMs = opts.maxWaitMs ?? Math.max(30_000, this.effectiveWindowMs);
    // The braces make both keys one hash slot on Redis Cluster, whatever the prefix.
    const base = `${opts.prefix}:budget:{${opts.provider}:${opts.account}}`;
    this.keys = [`${base}:log`, `${base}:blocked`];
    this.labels = { provider: opts.provider, account: opts.account };
    if (opts.registry) this.metrics = budgetMetrics(opts.registry);
  }

  /** Whether answers carry the provider's own view of the budget (credit headers). */
  get readsReports(): boolean {
    return this.opts.readReport !== undefined;
  }

  /**
   * Waits (at most `maxWaitMs`) until the fleet's budget admits one call of
   * `cost` units. A longer wait fails as retryable with `retryAfterMs`, which the worker turns
   * into a queue pause without spending an attempt.
   */
  async take(cost = this.opts.estimatedCost ?? 1): Promise<BudgetTicket> {
    const maxWait = this.maxWaitMs;
    const id = randomBytes(6).toString('hex');
    const started = performance.now();
    let waited = false;
    for (;;) {
      const [ok, waitMs] = await this.ask(cost, id, false);
      const elapsed = performance.now() - started;
      if (ok === 1) {
        this.metrics?.calls.inc(this.labels);
        if (waited) this.metrics?.waits.observe(this.labels, elapsed / 1000);
        return { id, cost };
      }
      if (elapsed + waitMs > maxWait) {
        this.metrics?.deferred.inc(this.labels);
        throw new RetryableError(`${this.provider} budget spent; waiting ${Math.ceil(waitMs)} ms`, {
          provider: this.provider,
          status: 429,
          retryAfterMs: waitMs,
        });
      }
      waited = true;
      // Wake a little after the slot frees; callers racing for it simply ask again.
      await sleep(waitMs + Math.random() * 5);
    }
  }

  /**
   * Resolves once the budget has room for `cost` (without taking it), or when the wait would pass
   * `maxWaitMs` (the call's own `take` then defers it). A batching caller waits here before it
   * closes a batch, so work arriving meanwhile joins it instead of queueing behind it.
   */
  async whenAvailable(cost = this.opts.estimatedCost ?? 1): Promise<void> {
    const maxWait = this.maxWaitMs;
    const started = performance.now();
    for (;;) {
      const [ok, waitMs] = await this.ask(cost, '', true);
      if (ok === 1 || performance.now() - started + waitMs > maxWait) return;
      await sleep(waitMs + Math.random() * 5);
    }
  }

  private async ask(cost: number, id: string, peek: boolean): Promise<[number, number]> {
    return (await this.opts.redis.eval(
      TAKE,
      2,
      ...this.keys,
      this.effectiveWindowMs,
      this.limit,
      cost,
      id,
      peek ? '1' : '0',
      this.inFlightTtlMs,
      this.pollMs,
    )) as [number, number];
  }

  /**
   * Feeds an answer back: the call is no longer in flight, its real cost, the provider's remaining
   * budget, a 429's Retry-After. Status 0: no answer (network error, timeout); the provider may
   * have counted the call, so it keeps its slot for a window from now. `answeredMsAgo`: how long
   * ago the answer's headers arrived (0 or omitted: now), so the slot frees a window after that.
   */
  async settle(
    ticket: BudgetTicket | null,
    status: number,
    headers: Record<string, string>,
    answeredMsAgo = 0,
  ): Promise<void> {
    const report = this.opts.readReport?.(headers) ?? null;
    let blockMs: number | undefined;
    if (status === 429) {
      this.metrics?.rejected.inc(this.labels);
      // No Retry-After: assume the provider's whole window is spent.
      blockMs = parseRetryAfter(headers['retry-after']) ?? report?.resetsInMs ?? this.windowMs;
    }
    const s = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
    await this.opts.redis.eval(
      SETTLE,
      2,
      ...this.keys,
      this.effectiveWindowMs,
      ticket?.id ?? '',
      s(report?.cost),
      s(report?.remaining),
      s(report?.resetsInMs),
      s(blockMs === undefined ? undefined : Math.ceil(blockMs)),
      String(this.opts.floor ?? 0),
      this.limit,
      status === 0 ? 0 : Math.floor(answeredMsAgo),
    );
  }

  /** Forgets the window and any block (tests; an operator after fixing a wrong limit). */
  async reset(): Promise<void> {
    await this.opts.redis.del(...this.keys);
  }

  /** Units spent in the current window and the block left (ms), as Redis sees them (tests, CLI). */
  async state(): Promise<{ used: number; blockedMs: number }> {
    const [entries, blocked, time] = await Promise.all([
      this.opts.redis.zrange(this.keys[0], 0, -1, 'WITHSCORES'),
      this.opts.redis.get(this.keys[1]),
      this.opts.redis.time(),
    ]);
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    let used = 0;
    for (let i = 0; i < entries.length; i += 2)
      if (Number(entries[i + 1]) > now - this.effectiveWindowMs)
        used += Number(/:([^:]+)$/.exec(entries[i]!)?.[1] ?? 0);
    return { used, blockedMs: Math.max(0, Number(blocked ?? 0) - now) };
  }
}
