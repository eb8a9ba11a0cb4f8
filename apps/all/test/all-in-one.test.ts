import { randomBytes } from 'node:crypto';
import { stripe } from '@cauce/providers';
import { freePort, parseMetrics, setupTestEnv, startApp, waitFor } from '@cauce/testkit';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { ROLE_NAMES } from '../src/roles.ts';

/**
 * `cauce all` as a real child process: every role up in one process, a webhook stored by the
 * ingress and processed by its worker, one /metrics naming every role, one /health for the
 * workers, and a clean exit on SIGTERM.
 */
const env = await setupTestEnv();
const secret = `whsec_${randomBytes(12).toString('hex')}`;
const port = await freePort();
const workerPort = await freePort();
const ingress = `http://127.0.0.1:${port}`;
const app = await startApp(
  'apps/all/src/main.ts',
  {
    ...env.env,
    LOG_LEVEL: 'warn',
    PORT: String(port),
    WORKER_PORT: String(workerPort),
    JWT_SECRET: randomBytes(32).toString('hex'),
    STRIPE_WEBHOOK_SECRETS: secret,
    SHUTDOWN_TIMEOUT_MS: '10000',
  },
  { readyUrl: `${ingress}/api/ready`, timeoutMs: 90_000 },
);
const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 1 });
afterAll(async () => {
  await app.stop('SIGKILL');
  await pool.end();
});

it('runs every role in one process: a webhook is stored, processed, and counted on one /metrics', async () => {
  // Each worker role names its own Redis connection, as a separate process would.
  await waitFor(
    async () => {
      const ready = (await (await fetch(`${ingress}/api/ready`)).json()) as {
        workers: Record<string, string>;
      };
      return Object.values(ready.workers).every((w) => w === 'up');
    },
    { timeoutMs: 60_000, message: 'every worker role up in /api/ready' },
  );

  const customer = `cus_${randomBytes(6).toString('hex')}`;
  const eventId = `evt_${randomBytes(6).toString('hex')}`;
  const body = JSON.stringify({
    id: eventId,
    object: 'event',
    type: 'customer.created',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: customer, object: 'customer', email: 'ana@example.com', name: 'Ana Núñez' } },
  });
  const res = await fetch(`${ingress}/api/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': stripe.signStripePayload(body, secret),
    },
    body,
  });
  expect(res.status).toBe(202);
  const status = await waitFor(
    async () => {
      const { rows } = await pool.query<{ status: string }>(
        `SELECT status FROM webhook_events WHERE provider = 'stripe' AND dedupe_key LIKE $1`,
        [`%${eventId}%`],
      );
      return rows[0]?.status === 'processed' ? rows[0].status : null;
    },
    { timeoutMs: 60_000, message: 'the Stripe event processed by the worker-staging role' },
  );
  expect(status).toBe('processed');

  const text = await (await fetch(`${ingress}/metrics`)).text();
  const samples = parseMetrics(text);
  for (const role of ROLE_NAMES)
    expect(
      samples.some((s) => s.labels.process === role),
      `a series with process="${role}"`,
    ).toBe(true);
  // The process's own metrics once, not once per role.
  expect(
    samples.filter((s) => s.name === 'process_resident_memory_bytes').map((s) => s.labels.process),
  ).toEqual(['all']);
  // One family per name: Prometheus refuses a TYPE line repeated in one scrape.
  const types = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
  expect(types.length).toBe(new Set(types).size);
  expect(
    samples.find(
      (s) =>
        s.name === 'jobs_processed_total' &&
        s.labels.process === 'worker-staging' &&
        s.labels.queue === 'staging-stripe',
    )?.value,
  ).toBe(1);

  // The workers' /health and /metrics are served once, on WORKER_PORT.
  const health = await fetch(`http://127.0.0.1:${workerPort}/health`);
  expect(health.status).toBe(200);
  const report = (await health.json()) as { roles: Record<string, { status: string }> };
  expect(Object.keys(report.roles).sort()).toEqual(ROLE_NAMES.filter((r) => r !== 'ingress').sort());
  const workerMetrics = await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text();
  expect(workerMetrics).toContain('process="ingress"');

  expect(await app.stop('SIGTERM', 40_000)).toBe(0);
});
