import type { FastifyInstance } from 'fastify';

/** Counts calls per "METHOD /path" so tests and benchmarks can see what a provider was asked. */
export class CallLog {
  private counts = new Map<string, number>();

  record(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  count(prefix = ''): number {
    let n = 0;
    for (const [k, v] of this.counts) if (k.includes(prefix)) n += v;
    return n;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  reset(): void {
    this.counts.clear();
  }
}

export function registerCallLog(app: FastifyInstance, calls: CallLog): void {
  app.addHook('onResponse', async (req) => {
    if (!req.url.startsWith('/__sim'))
      calls.record(`${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`);
  });
  app.get('/__sim/calls', async () => calls.snapshot());
  app.delete('/__sim/calls', async () => {
    calls.reset();
    return { reset: true };
  });
}
