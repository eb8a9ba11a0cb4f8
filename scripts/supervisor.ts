/**
 * The local launcher's children: each app runs as its own process with prefixed output; one that
 * exits while the stack is not stopping is restarted after a backoff (1 s, 2 s, 4 s … at most
 * 30 s), and says so. A crash less than CRASH_WINDOW_MS after its start counts as a quick crash;
 * after MAX_CRASHES quick crashes in a row it stops retrying and reports it loudly: a crash loop
 * (a bad variable, a port in use) needs a person, not more restarts. A run that lasted longer
 * starts the count again. (Counted per run, not per wall-clock window, so a slow machine that
 * takes long to start a child still gives up.)
 */
import { type ChildProcess, spawn } from 'node:child_process';

export const MAX_CRASHES = 5;
export const CRASH_WINDOW_MS = 60_000;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

interface Supervised {
  label: string;
  entry: string;
  env: Record<string, string | undefined>;
  child: ChildProcess | null;
  /** Quick crashes in a row. */
  crashes: number;
  startedAt: number;
  timer: NodeJS.Timeout | null;
}

export class Supervisor {
  private readonly apps: Supervised[] = [];
  private stopping = false;

  constructor(private readonly log: (line: string) => void = (l) => console.log(l)) {
    // Detached children would outlive a launcher that dies of an error: take them down with it.
    process.on('exit', () => {
      for (const a of this.apps) if (a.child && a.child.exitCode === null) a.child.kill('SIGTERM');
    });
  }

  get isStopping() {
    return this.stopping;
  }

  run(label: string, entry: string, env: Record<string, string | undefined>) {
    const app: Supervised = { label, entry, env, child: null, crashes: 0, startedAt: 0, timer: null };
    this.apps.push(app);
    this.spawn(app);
  }

  private spawn(app: Supervised) {
    const prefix = `[${app.label}]`.padEnd(18);
    // Own process group: a terminal's Ctrl-C reaches only this launcher, which sends each child
    // exactly one SIGTERM (a second signal means "force" to the worker runtime).
    const child = spawn(process.execPath, ['--import', 'tsx', app.entry], {
      env: app.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    app.child = child;
    app.startedAt = Date.now();
    this.log(`${prefix} started (pid ${child.pid})`);
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream?.on('data', (d) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const line of lines) this.log(`${prefix} ${line}`);
      });
    }
    child.on('exit', (code, signal) => {
      this.log(`${prefix} exited (${signal ?? code})`);
      if (this.stopping) return;
      app.crashes = Date.now() - app.startedAt < CRASH_WINDOW_MS ? app.crashes + 1 : 1;
      if (app.crashes >= MAX_CRASHES) {
        const bar = '!'.repeat(72);
        this.log(
          `\n${bar}\n${prefix} CRASHED ${app.crashes} TIMES IN A ROW, EACH WITHIN ${CRASH_WINDOW_MS / 1000} s OF STARTING: NOT RESTARTING IT.\n` +
            `${prefix} Read its last lines above, fix the cause, then restart the stack.\n` +
            `${prefix} The rest of the stack keeps running; /api/ready shows it missing.\n${bar}\n`,
        );
        app.child = null;
        return;
      }
      const delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (app.crashes - 1));
      this.log(
        `${prefix} stopped unexpectedly (quick crash ${app.crashes} of ${MAX_CRASHES} in a row): restarting in ${delay / 1000} s`,
      );
      app.timer = setTimeout(() => {
        app.timer = null;
        if (!this.stopping) this.spawn(app);
      }, delay);
    });
  }

  /** SIGTERM to every child (once), resolving when all have exited. */
  async stopAll(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const a of this.apps) if (a.timer) clearTimeout(a.timer);
    const live = this.apps.flatMap((a) =>
      a.child && a.child.exitCode === null && !a.child.signalCode ? [a.child] : [],
    );
    for (const c of live) c.kill('SIGTERM');
    await Promise.all(
      live.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
    );
  }
}
