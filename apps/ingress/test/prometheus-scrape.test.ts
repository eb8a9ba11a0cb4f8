import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ChildApp, freePort, REPO_ROOT, setupTestEnv, startApp, waitFor } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_SECRET } from './support.ts';

/**
 * A real Prometheus scrapes the ingress (a child process, as in production) every second and
 * loads prometheus/alerts.yml; `promtool check metrics` lints the exposition.
 */
const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const env = await setupTestEnv();

let ingress: ChildApp;
let prometheus: ChildProcess | undefined;
let promOutput = '';
let dir: string;
let ingressUrl: string;
let promUrl: string;

beforeAll(async () => {
  for (const bin of [PROMETHEUS, PROMTOOL])
    if (!existsSync(bin)) throw new Error(`${bin} is missing: \`apt-get install prometheus\` (CI does this)`);
  const port = await freePort();
  ingressUrl = `http://127.0.0.1:${port}`;
  ingress = await startApp(
    'apps/ingress/src/main.ts',
    { ...env.env, JWT_SECRET, PORT: String(port), HOST: '127.0.0.1' },
    { readyUrl: `${ingressUrl}/api/health` },
  );
  // Some traffic so the request metrics have samples.
  for (const path of ['/api/health', '/api/ready', '/api/admin/failures', '/api/orders'])
    await fetch(`${ingressUrl}${path}`);

  dir = mkdtempSync(join(tmpdir(), 'cauce-prom-'));
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${resolve(REPO_ROOT, 'prometheus/alerts.yml')}`,
      'scrape_configs:',
      '  - job_name: ingress',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${port}']`,
      '',
    ].join('\n'),
  );
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (d) => {
    promOutput += d;
  });
  prometheus.stderr?.on('data', (d) => {
    promOutput += d;
  });
});

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once('exit', r));
    prometheus.kill('SIGTERM');
    const timer = setTimeout(() => prometheus!.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await ingress?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface PromVector {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

async function query(q: string): Promise<PromVector['data']['result']> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as PromVector;
  return body.status === 'success' ? body.data.result : [];
}

describe('Prometheus scraping the ingress', () => {
  it('sees the target up and the ingress metrics', async () => {
    const up = await waitFor(
      async () => {
        if (prometheus?.exitCode !== null) throw new Error(`prometheus exited:\n${promOutput}`);
        const r = await query('up{job="ingress"}');
        return r[0]?.value[1] === '1' ? r : null;
      },
      { timeoutMs: 30_000, intervalMs: 250, message: 'up{job="ingress"} == 1' },
    );
    expect(up[0]!.metric.instance).toBe(ingressUrl.replace('http://', ''));
    const cpu = await waitFor(async () => {
      const r = await query('process_cpu_user_seconds_total{job="ingress",app="ingress"}');
      return r.length ? r : null;
    });
    expect(Number(cpu[0]!.value[1])).toBeGreaterThan(0);
  });

  it('loaded every alerting rule of prometheus/alerts.yml', async () => {
    const res = await fetch(`${promUrl}/api/v1/rules?type=alert`);
    const body = (await res.json()) as {
      data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> };
    };
    const rules = body.data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name).sort()).toEqual(
      [
        'IngressUnavailable',
        'JobsFailingWithoutSuccess',
        'QueueBacklogStale',
        'QueueFailureRateHigh',
        'QueueWithoutWorker',
        'ScheduledSyncStale',
        'WebhookUnauthorizedSpike',
      ].sort(),
    );
    await waitFor(
      async () => {
        const again = (await (await fetch(`${promUrl}/api/v1/rules?type=alert`)).json()) as typeof body;
        return again.data.groups.flatMap((g) => g.rules).every((r) => r.health === 'ok');
      },
      { timeoutMs: 15_000, message: 'every rule evaluated without error' },
    );
  });

  it('exposes metrics that promtool check metrics accepts', async () => {
    const text = await (await fetch(`${ingressUrl}/metrics`)).text();
    const lint = await new Promise<{ code: number | null; out: string }>((done) => {
      const p = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => {
        out += d;
      });
      p.stderr.on('data', (d) => {
        out += d;
      });
      p.on('close', (code) => done({ code, out }));
      p.stdin.end(text);
    });
    // prom-client's default Node.js gauges carry a _total suffix; those three are not ours to rename.
    const known =
      /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;
    const problems = lint.out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !known.test(l));
    expect(problems).toEqual([]);
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
  });
});
