import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT, setupTestEnv, waitFor } from '@cauce/testkit';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { childPid, cleanEnv, type Launched, launch, waitAllUp } from './launcher-support.ts';

/**
 * The local launcher (scripts/start.ts) supervises its children: a worker killed with SIGKILL
 * shows as missing on /api/ready and is back within seconds; a worker that keeps crashing is
 * given up on, loudly.
 */
const env = await setupTestEnv();
const dir = await mkdtemp(join(tmpdir(), 'cauce-launcher-'));
const running: Launched[] = [];
afterAll(async () => {
  await Promise.all(running.map((l) => l.stop()));
  await rm(dir, { recursive: true, force: true });
});

async function startLauncher(extra: Record<string, string> = {}) {
  const port = await freePort();
  const launched = launch(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: REPO_ROOT,
    env: cleanEnv({
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      QUEUE_PREFIX: env.prefix,
      PORT: String(port),
      SIM_PORT: String(await freePort()),
      WORKER_PORT: '0',
      LOG_LEVEL: 'warn',
      CAUCE_SETTINGS_FILE: join(dir, `${port}.env`),
      // Supervision is per process: one per role here (the all-in-one is one supervised child).
      CAUCE_STACK_MODE: 'split',
      ...extra,
    }),
  });
  running.push(launched);
  return { launched, ingress: `http://127.0.0.1:${port}` };
}

const readyWorkers = async (ingress: string) =>
  ((await (await fetch(`${ingress}/api/ready`)).json()) as { workers: Record<string, string> }).workers;

describe('launcher supervision', () => {
  it('restarts a worker killed with SIGKILL; /api/ready shows it missing meanwhile', {
    timeout: 300_000,
  }, async () => {
    const { launched, ingress } = await startLauncher();
    // The next case shares this file's queue prefix: its workers must be the only ones, even
    // when this case fails.
    onTestFinished(() => launched.stop());
    await waitAllUp(ingress, launched);
    const pid = childPid(launched.output(), 'worker-bookings');
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');

    // Redis drops a dead process's connection at once: missing first (the restart waits 1 s)…
    await expect
      .poll(async () => (await readyWorkers(ingress))['worker-bookings'], { timeout: 30_000, interval: 50 })
      .toBe('missing');
    // The launcher logs the exit when it sees it, which may come after Redis dropped the connection.
    await expect
      .poll(() => launched.output(), { timeout: 30_000 })
      .toMatch(/\[worker-bookings\]\s+exited \(SIGKILL\)/);
    // …then a new process, and up again.
    await expect
      .poll(() => childPid(launched.output(), 'worker-bookings'), { timeout: 60_000 })
      .not.toBe(pid);
    expect(launched.output()).toMatch(
      /\[worker-bookings\]\s+stopped unexpectedly \(quick crash 1 of 5 in a row\): restarting in 1 s/,
    );
    await expect
      .poll(async () => (await readyWorkers(ingress))['worker-bookings'], { timeout: 120_000, interval: 200 })
      .toBe('up');
    // The rest of the stack never went down.
    expect(await readyWorkers(ingress)).toMatchObject({ 'worker-orders': 'up', 'worker-staging': 'up' });
  });

  it('stops restarting a worker after 5 quick crashes in a row and says so loudly', {
    timeout: 300_000,
  }, async () => {
    // An invalid variable only worker-bookings reads: it exits 1 at every start.
    const { launched, ingress } = await startLauncher({ BEDS24_CREDIT_BUDGET: 'many' });
    await waitFor(
      () =>
        launched
          .output()
          .includes('CRASHED 5 TIMES IN A ROW, EACH WITHIN 60 s OF STARTING: NOT RESTARTING IT.'),
      {
        timeoutMs: 240_000,
        intervalMs: 200,
        message: 'the launcher giving up on worker-bookings',
      },
    );
    expect(launched.output()).toContain('BEDS24_CREDIT_BUDGET is invalid');
    expect(launched.output()).toMatch(/quick crash 4 of 5 in a row\): restarting in 8 s/);
    expect((launched.output().match(/\[worker-bookings\]\s+started \(pid/g) ?? []).length).toBe(5);
    // Everything else runs; the ingress reports the one that is gone.
    await expect
      .poll(async () => (await readyWorkers(ingress).catch(() => null))?.['worker-orders'], {
        timeout: 120_000,
        interval: 200,
      })
      .toBe('up');
    expect((await readyWorkers(ingress))['worker-bookings']).toBe('missing');
  });
});
