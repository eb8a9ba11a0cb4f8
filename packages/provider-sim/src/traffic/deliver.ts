export interface Delivery {
  kind: string;
  /** Exact bytes sent (every retry resends them, as providers do). */
  body: string;
  /** Final HTTP status (0 when never delivered). */
  status: number;
  attempts: number;
  /** Attempts answered 503 (or 429 for GoHighLevel): the "please retry" answers. */
  retryAnswers: number;
  /** Latency of the attempt that was accepted, ms. */
  latencyMs: number;
  response?: unknown;
}

/**
 * Sends one webhook/order the way a provider does: on 429/5xx or a network error it waits
 * (Retry-After when given) and resends the identical body, until accepted or `giveUpMs` passes.
 */
export async function deliver(
  kind: string,
  url: string,
  body: string,
  headers: Record<string, string>,
  { giveUpMs = 180_000 } = {},
): Promise<Delivery> {
  const d: Delivery = { kind, body, status: 0, attempts: 0, retryAnswers: 0, latencyMs: 0 };
  const deadline = Date.now() + giveUpMs;
  for (;;) {
    d.attempts++;
    const t0 = performance.now();
    let wait = 1_000;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      d.status = res.status;
      if (res.status < 300) {
        d.latencyMs = performance.now() - t0;
        try {
          d.response = JSON.parse(text);
        } catch {
          d.response = text;
        }
        return d;
      }
      if (res.status !== 429 && res.status < 500) {
        d.response = text;
        return d; // a 4xx is an answer, not an outage: the checker reports it
      }
      d.retryAnswers++;
      const ra = Number(res.headers.get('retry-after'));
      if (Number.isFinite(ra) && ra > 0) wait = Math.min(ra * 1000, 10_000);
    } catch {
      d.status = 0; // connection refused/reset: the ingress or a service is restarting
    }
    if (Date.now() + wait > deadline) return d;
    await new Promise((r) => setTimeout(r, wait * (0.5 + Math.random())));
  }
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
