import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ChildApp {
  proc: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** The exit code (null when killed by a signal), once the process ended and all its output was read. */
  exited: Promise<number | null>;
  /** Sends a signal and waits for the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/**
 * Starts a TypeScript entry point as a real child process (via tsx), as production would,
 * and waits until `readyUrl` answers 2xx when given.
 */
export async function startApp(
  entry: string,
  env: Record<string, string>,
  { readyUrl, timeoutMs = 20_000 }: { readyUrl?: string; timeoutMs?: number } = {},
): Promise<ChildApp> {
  // CHILD_NODE_ARGS adds node flags, e.g. CHILD_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile.
  const nodeArgs = process.env.CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', resolve(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d) => {
    out += d;
  });
  proc.stderr?.on('data', (d) => {
    out += d;
  });
  // 'close', not 'exit': at 'exit' the last lines may still be in the pipes.
  const exited = once(proc, 'close').then(([code]) => code as number | null);
  const app: ChildApp = {
    proc,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM', stopTimeout = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), stopTimeout);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  if (readyUrl) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (proc.exitCode !== null)
        throw new Error(`${entry} exited with ${proc.exitCode} before it was ready:\n${out}`);
      try {
        const res = await fetch(readyUrl);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await app.stop('SIGKILL');
        throw new Error(`${entry} was not ready at ${readyUrl} within ${timeoutMs} ms:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return app;
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  srv.close();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}
