import { buildSim } from './server.ts';

/**
 * provider-sim on a loopback port (0: a free one; a fixed one restarts it "on the same
 * address") with a JSON caller for its control routes. Tests add their provider's helpers.
 */
export async function listenSim(port = 0) {
  const { app, ctx } = await buildSim();
  await app.listen({ port, host: '127.0.0.1' });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    // biome-ignore lint/suspicious/noExplicitAny: control-route JSON, asserted field by field in the tests
  ): Promise<any> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${await res.text()}`);
    return res.json();
  };
  return {
    app,
    ctx,
    base,
    call,
    calls: async () => (await call('GET', '/__sim/calls')) as Record<string, number>,
    resetCalls: () => call('DELETE', '/__sim/calls'),
    faults: (rules: unknown[]) => call('PUT', '/__sim/faults', rules),
    /** Bounded: a client holding a keep-alive connection must not hang a test's teardown. */
    close: () => Promise.race([app.close(), new Promise((r) => setTimeout(r, 2000))]),
  };
}
