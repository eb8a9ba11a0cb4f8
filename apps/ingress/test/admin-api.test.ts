import { createDb } from '@cauce/db';
import { ALL_QUEUES, JOBS, QUEUES } from '@cauce/queues';
import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EMAIL_MASK, REDACTED } from '../src/admin/redact.ts';
import { AUTH_COOKIE } from '../src/plugins/auth.ts';
import { call, sessionCookie, startIngress, startIngressWithoutRedis } from './support.ts';

/** The operator API against the real PostgreSQL and Redis (docs/operations-admin.md). */
const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 2 });
let ingress: Awaited<ReturnType<typeof startIngress>>;

beforeAll(async () => {
  ingress = await startIngress(env);
});
afterAll(async () => {
  await ingress?.close();
  await db.$disconnect();
});

const get = (url: string, token: string | null) => call(ingress.app, 'GET', url, token);
const post = (url: string, token: string | null, body?: unknown) =>
  call(ingress.app, 'POST', url, token, body);

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

async function seedFailure(o: {
  queue?: string;
  jobName?: string;
  data?: unknown;
  failedAt?: Date;
  replayedAt?: Date | null;
  error?: string;
}) {
  return db.jobFailure.create({
    data: {
      queue: o.queue ?? QUEUES.biginOrders,
      jobName: o.jobName ?? JOBS.biginCreateOrder,
      jobId: 'order-1',
      data: (o.data ?? { orderId: 1, trigger: 'intake' }) as object,
      error: o.error ?? 'Robot API answered 500',
      attempts: 5,
      failedAt: o.failedAt ?? new Date(),
      replayedAt: o.replayedAt ?? null,
    },
  });
}

describe('admin auth', () => {
  it('answers 401 without a token and 403 to a viewer on every write', async () => {
    for (const url of ['/api/admin/queues/stats', '/api/admin/webhooks/logs', '/api/admin/failures'])
      expect((await get(url, null)).status, url).toBe(401);
    expect((await get('/api/admin/failures', 'not.a.jwt')).status).toBe(401);
    for (const url of [
      '/api/admin/failures/1/replay',
      '/api/admin/failures/replay',
      '/api/admin/webhooks/1/replay',
      '/api/admin/webhooks/replay',
    ]) {
      expect((await post(url, null, {})).status, url).toBe(401);
      const res = await post(url, ingress.viewer, { since: new Date().toISOString() });
      expect(res.status, url).toBe(403);
      expect(res.body.error).toBe('forbidden');
    }
  });

  it('accepts a login session cookie as well as the Bearer header, but not a token as the cookie', async () => {
    const get = (cookie: string) =>
      ingress.app.inject({ method: 'GET', url: '/api/admin/failures', cookies: { [AUTH_COOKIE]: cookie } });
    expect((await get(await sessionCookie(ingress.app, 'victor-viewer', 'viewer'))).statusCode).toBe(200);
    expect((await get(ingress.viewer)).statusCode).toBe(401);
  });
});

describe('GET /api/admin/queues/stats', () => {
  it('counts every queue by state', async () => {
    const q = ingress.deps.producer;
    await q.add(QUEUES.biginOrders, JOBS.biginCreateOrder, { orderId: 7 }, { jobId: 'stats-1' });
    await q.add(QUEUES.biginOrders, JOBS.biginCreateOrder, { orderId: 8 }, { jobId: 'stats-2' });
    await q.add(QUEUES.siigoSync, JOBS.siigoScheduledSync, {}, { jobId: 'stats-3', delay: 60_000 });
    const res = await get('/api/admin/queues/stats', ingress.viewer);
    expect(res.status).toBe(200);
    expect(res.body.queues.map((x: { name: string }) => x.name).sort()).toEqual([...ALL_QUEUES].sort());
    const byName = Object.fromEntries(res.body.queues.map((x: { name: string }) => [x.name, x]));
    expect(byName[QUEUES.biginOrders].counts).toMatchObject({ waiting: 2, delayed: 0, failed: 0 });
    expect(byName[QUEUES.biginOrders].oldestWaitingSeconds).toBeGreaterThanOrEqual(0);
    expect(byName[QUEUES.siigoSync].counts).toMatchObject({ waiting: 0, delayed: 1 });
    expect(byName[QUEUES.beds24Sync].counts.waiting).toBe(0);
    expect(res.body.totals).toMatchObject({ waiting: 2, delayed: 1 });
  });
});

describe('GET /api/admin/webhooks/logs', () => {
  beforeAll(async () => {
    for (let i = 1; i <= 7; i++)
      await db.webhookEvent.create({
        data: {
          provider: i % 2 ? 'beds24' : 'stripe',
          eventType: i % 2 ? 'MODIFY' : 'charge.succeeded',
          dedupeKey: `logs-${i}`,
          entityId: String(1000 + i),
          status: i === 7 ? 'failed' : 'processed',
          queue: i % 2 ? QUEUES.beds24Sync : QUEUES.stagingStripe,
          payload: {
            id: 1000 + i,
            guest: { email: `guest${i}@example.com`, phone: '+57 300 123 4567' },
            note: `n${i}`,
          },
          headers: { 'user-agent': 'Beds24' },
          error: i === 7 ? 'could not reach guest7@example.com' : null,
        },
      });
  });

  it('pages newest first with a cursor', async () => {
    const first = await get('/api/admin/webhooks/logs?limit=3', ingress.admin);
    expect(first.status).toBe(200);
    expect(first.body.events.map((e: { dedupeKey: string }) => e.dedupeKey)).toEqual([
      'logs-7',
      'logs-6',
      'logs-5',
    ]);
    expect(first.body.nextCursor).toBe(first.body.events[2].id);
    const second = await get(
      `/api/admin/webhooks/logs?limit=3&cursor=${first.body.nextCursor}`,
      ingress.admin,
    );
    expect(second.body.events.map((e: { dedupeKey: string }) => e.dedupeKey)).toEqual([
      'logs-4',
      'logs-3',
      'logs-2',
    ]);
    const third = await get(
      `/api/admin/webhooks/logs?limit=3&cursor=${second.body.nextCursor}`,
      ingress.admin,
    );
    expect(third.body.events.map((e: { dedupeKey: string }) => e.dedupeKey)).toEqual(['logs-1']);
    expect(third.body.nextCursor).toBeNull();
  });

  it('filters by provider and status, and rejects a bad query precisely', async () => {
    const beds24 = await get('/api/admin/webhooks/logs?provider=beds24&limit=10', ingress.admin);
    expect(beds24.body.events).toHaveLength(4);
    expect(beds24.body.events.every((e: { provider: string }) => e.provider === 'beds24')).toBe(true);
    const failed = await get('/api/admin/webhooks/logs?status=failed', ingress.admin);
    expect(failed.body.events.map((e: { dedupeKey: string }) => e.dedupeKey)).toEqual(['logs-7']);
    const bad = await get('/api/admin/webhooks/logs?limit=0&cursor=abc', ingress.admin);
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['cursor', 'limit']);
  });

  it('shows admins the payload as stored and viewers a redacted one', async () => {
    const admin = await get('/api/admin/webhooks/logs?status=failed', ingress.admin);
    expect(admin.body.events[0].payload.guest).toEqual({
      email: 'guest7@example.com',
      phone: '+57 300 123 4567',
    });
    expect(admin.body.events[0].error).toBe('could not reach guest7@example.com');
    const viewer = await get('/api/admin/webhooks/logs?status=failed', ingress.viewer);
    expect(viewer.status).toBe(200);
    expect(viewer.body.events[0].payload).toEqual({
      id: 1007,
      guest: { email: REDACTED, phone: REDACTED },
      note: 'n7',
    });
    expect(viewer.body.events[0].error).toBe(`could not reach ${EMAIL_MASK}`);
    expect(JSON.stringify(viewer.body)).not.toContain('@example.com');
  });
});

describe('dead letters', () => {
  it('lists failures newest first, filtered by queue, redacted for viewers', async () => {
    await db.jobFailure.deleteMany();
    const a = await seedFailure({ data: { orderId: 11, trigger: 'intake' } });
    const b = await seedFailure({
      queue: QUEUES.callbellNotify,
      jobName: JOBS.callbellSend,
      data: { orderId: 12, phone: '+573001112233' },
      error: 'CallBell refused +57 300 111 2233',
    });
    const all = await get('/api/admin/failures?limit=1', ingress.viewer);
    expect(all.status).toBe(200);
    expect(all.body.failures.map((f: { id: string }) => f.id)).toEqual([String(b.id)]);
    expect(all.body.failures[0].data).toEqual({ orderId: 12, phone: REDACTED });
    expect(all.body.failures[0].error).toBe('CallBell refused [phone]');
    const next = await get(`/api/admin/failures?limit=1&cursor=${all.body.nextCursor}`, ingress.viewer);
    expect(next.body.failures.map((f: { id: string }) => f.id)).toEqual([String(a.id)]);
    expect(next.body.nextCursor).toBeNull();
    const orders = await get(`/api/admin/failures?queue=${QUEUES.biginOrders}`, ingress.admin);
    expect(orders.body.failures.map((f: { id: string }) => f.id)).toEqual([String(a.id)]);
    const admin = await get(`/api/admin/failures?queue=${QUEUES.callbellNotify}`, ingress.admin);
    expect(admin.body.failures[0].data).toEqual({ orderId: 12, phone: '+573001112233' });
    expect((await get('/api/admin/failures?queue=nope', ingress.admin)).status).toBe(400);
  });

  it('replays one dead letter with the same job name and data, records it, and refuses a second replay', async () => {
    const row = await seedFailure({ data: { orderId: 21, trigger: 'retry' } });
    const res = await post(`/api/admin/failures/${row.id}/replay`, ingress.admin);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      replayed: true,
      jobId: `replay-${row.id}`,
      queue: QUEUES.biginOrders,
      jobName: JOBS.biginCreateOrder,
    });
    const job = await ingress.deps.producer.queue(QUEUES.biginOrders).getJob(res.body.jobId);
    expect(job?.name).toBe(JOBS.biginCreateOrder);
    expect(job?.data).toEqual({ orderId: 21, trigger: 'retry' });
    const stored = await db.jobFailure.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored.replayedAt).toBeInstanceOf(Date);
    expect(stored.replayJobId).toBe(`replay-${row.id}`);

    const again = await post(`/api/admin/failures/${row.id}/replay`, ingress.admin);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('already_replayed');

    const forced = await post(`/api/admin/failures/${row.id}/replay?force=true`, ingress.admin);
    expect(forced.status).toBe(202);
    expect(forced.body.jobId).not.toBe(res.body.jobId);
    expect(await ingress.deps.producer.queue(QUEUES.biginOrders).getJob(forced.body.jobId)).toBeTruthy();
    const after = await db.jobFailure.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.replayJobId).toBe(forced.body.jobId);
    expect(after.replayedAt!.getTime()).toBeGreaterThanOrEqual(stored.replayedAt!.getTime());
  });

  it('enqueues one job when the same row is replayed by concurrent requests', async () => {
    const row = await seedFailure({ data: { orderId: 31, trigger: 'intake' } });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => post(`/api/admin/failures/${row.id}/replay`, ingress.admin)),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([202, 409, 409, 409, 409]);
    const jobs = await ingress.deps.producer.queue(QUEUES.biginOrders).getJobs(['wait']);
    expect(jobs.filter((j) => j.data.orderId === 31)).toHaveLength(1);
  });

  it('answers 404 for an unknown row and 422 for data that no longer fits the job schema', async () => {
    expect((await post('/api/admin/failures/999999/replay', ingress.admin)).status).toBe(404);
    expect((await post('/api/admin/failures/abc/replay', ingress.admin)).status).toBe(400);
    const bad = await seedFailure({ data: { orderId: 'not-a-number' } });
    const res = await post(`/api/admin/failures/${bad.id}/replay`, ingress.admin);
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('invalid_data');
    expect(res.body.message).toContain('orderId');
    expect((await db.jobFailure.findUniqueOrThrow({ where: { id: bad.id } })).replayedAt).toBeNull();
  });

  it('bulk-replays everything since T once: a second call replays nothing new', async () => {
    await db.jobFailure.deleteMany();
    const old = await seedFailure({ failedAt: minutesAgo(120), data: { orderId: 41, trigger: 'intake' } });
    const inWindow = [
      await seedFailure({ failedAt: minutesAgo(50), data: { orderId: 42, trigger: 'intake' } }),
      await seedFailure({
        failedAt: minutesAgo(40),
        queue: QUEUES.callbellNotify,
        jobName: JOBS.callbellSend,
        data: { orderId: 43 },
      }),
      await seedFailure({ failedAt: minutesAgo(30), data: { orderId: 44, trigger: 'intake' } }),
    ];
    const replayedBefore = await seedFailure({ failedAt: minutesAgo(20), replayedAt: minutesAgo(10) });
    const broken = await seedFailure({ failedAt: minutesAgo(15), data: { nope: true } });
    const since = minutesAgo(60).toISOString();

    const first = await post('/api/admin/failures/replay', ingress.admin, { since });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ matched: 5, replayed: 3, alreadyReplayed: 1, notReplayable: 1 });
    expect(first.body.errors).toEqual([
      expect.objectContaining({ id: String(broken.id), reason: 'invalid_data' }),
    ]);
    for (const row of inWindow) {
      const stored = await db.jobFailure.findUniqueOrThrow({ where: { id: row.id } });
      expect(stored.replayJobId).toBe(`replay-${row.id}`);
      const job = await ingress.deps.producer.queue(stored.queue).getJob(stored.replayJobId!);
      expect(job?.data).toEqual(row.data);
    }
    expect((await db.jobFailure.findUniqueOrThrow({ where: { id: old.id } })).replayedAt).toBeNull();
    expect(
      (await db.jobFailure.findUniqueOrThrow({ where: { id: replayedBefore.id } })).replayJobId,
    ).toBeNull();

    const second = await post('/api/admin/failures/replay', ingress.admin, { since });
    expect(second.body).toMatchObject({ matched: 5, replayed: 0, alreadyReplayed: 4, notReplayable: 1 });

    const oneQueue = await post('/api/admin/failures/replay', ingress.admin, {
      since: minutesAgo(180).toISOString(),
      until: minutesAgo(100).toISOString(),
      queue: QUEUES.biginOrders,
    });
    expect(oneQueue.body).toMatchObject({ matched: 1, replayed: 1, alreadyReplayed: 0 });
    expect((await db.jobFailure.findUniqueOrThrow({ where: { id: old.id } })).replayedAt).toBeInstanceOf(
      Date,
    );

    const bad = await post('/api/admin/failures/replay', ingress.admin, { since: 'yesterday', until: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['since', 'until']);
    const reversed = await post('/api/admin/failures/replay', ingress.admin, {
      since: minutesAgo(1).toISOString(),
      until: minutesAgo(2).toISOString(),
    });
    expect(reversed.status).toBe(400);
  });
});

describe('POST /api/admin/webhooks/:id/replay', () => {
  it('re-enqueues a stored event as a webhook-event job and marks it queued', async () => {
    const ev = await db.webhookEvent.create({
      data: {
        provider: 'beds24',
        eventType: 'MODIFY',
        dedupeKey: 'replay-me',
        entityId: '555',
        status: 'failed',
        queue: QUEUES.beds24Sync,
        jobId: 'replay-me',
        payload: { id: 555 },
        error: 'Beds24 timed out',
        processedAt: new Date(),
      },
    });
    const res = await post(`/api/admin/webhooks/${ev.id}/replay`, ingress.admin);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ replayed: true, queue: QUEUES.beds24Sync, jobName: JOBS.webhookEvent });
    const job = await ingress.deps.producer.queue(QUEUES.beds24Sync).getJob(res.body.jobId);
    expect(job?.name).toBe(JOBS.webhookEvent);
    expect(job?.data).toEqual({
      webhookEventId: String(ev.id),
      provider: 'beds24',
      eventType: 'MODIFY',
      entityId: '555',
    });
    const stored = await db.webhookEvent.findUniqueOrThrow({ where: { id: ev.id } });
    expect(stored).toMatchObject({ status: 'queued', jobId: res.body.jobId, error: null });
    expect(stored.enqueuedAt).toBeInstanceOf(Date);

    // Its job has not run yet (no worker here): a second replay leaves the event to it, no second job.
    const again = await post(`/api/admin/webhooks/${ev.id}/replay`, ingress.admin);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ jobId: res.body.jobId, leftToJob: true });
    expect(await ingress.deps.producer.queue(QUEUES.beds24Sync).getWaitingCount()).toBe(1);
  });

  it('refuses an event that never had a queue and an unknown id', async () => {
    const rejected = await db.webhookEvent.create({
      data: { provider: 'beds24', eventType: 'MODIFY', dedupeKey: 'no-id', status: 'rejected', payload: {} },
    });
    const res = await post(`/api/admin/webhooks/${rejected.id}/replay`, ingress.admin);
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('not_replayable');
    expect((await post('/api/admin/webhooks/987654/replay', ingress.admin)).status).toBe(404);
  });
});

describe('POST /api/admin/webhooks/replay', () => {
  it('replays exactly the events matching provider, status and window, each marked queued before its job', async () => {
    const at = (m: number) => minutesAgo(m);
    const seed = (dedupeKey: string, o: { provider?: string; status?: string; receivedAt: Date }) =>
      db.webhookEvent.create({
        data: {
          provider: o.provider ?? 'stripe',
          eventType: 'customer.updated',
          dedupeKey,
          status: o.status ?? 'failed',
          queue: QUEUES.stagingStripe,
          jobId: dedupeKey,
          payload: { id: dedupeKey },
          receivedAt: o.receivedAt,
        },
      });
    const hit1 = await seed('bulk-hit-1', { receivedAt: at(30) });
    const hit2 = await seed('bulk-hit-2', { receivedAt: at(20) });
    const misses = [
      await seed('bulk-old', { receivedAt: at(90) }),
      await seed('bulk-late', { receivedAt: at(1) }),
      await seed('bulk-other-provider', { provider: 'paypal', receivedAt: at(25) }),
      await seed('bulk-other-status', { status: 'processed', receivedAt: at(25) }),
    ];
    const res = await post('/api/admin/webhooks/replay', ingress.admin, {
      provider: 'stripe',
      status: 'failed',
      since: at(60).toISOString(),
      until: at(10).toISOString(),
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ matched: 2, replayed: 2, leftToJob: 0, notReplayable: 0 });
    for (const ev of [hit1, hit2]) {
      const stored = await db.webhookEvent.findUniqueOrThrow({ where: { id: ev.id } });
      expect(stored.status).toBe('queued');
      expect(stored.jobId).toMatch(new RegExp(`^webhook-replay-${ev.id}-\\d+$`));
      const job = await ingress.deps.producer.queue(QUEUES.stagingStripe).getJob(stored.jobId!);
      expect(job?.data).toMatchObject({ webhookEventId: String(ev.id), provider: 'stripe' });
    }
    for (const ev of misses)
      expect(await db.webhookEvent.findUniqueOrThrow({ where: { id: ev.id } })).toMatchObject({
        status: ev.status,
        jobId: ev.jobId,
      });

    // Their jobs now wait in the queue (no worker here): a second call leaves them to those jobs.
    const again = await post('/api/admin/webhooks/replay', ingress.admin, {
      provider: 'stripe',
      status: 'queued',
      since: at(60).toISOString(),
      until: at(10).toISOString(),
    });
    expect(again.body).toEqual({ matched: 2, replayed: 0, leftToJob: 2, notReplayable: 0 });
    expect((await post('/api/admin/webhooks/replay', ingress.admin, {})).status).toBe(400);
    expect(
      (
        await post('/api/admin/webhooks/replay', ingress.admin, {
          since: at(1).toISOString(),
          status: 'rejected',
        })
      ).status,
    ).toBe(400);
  });
});

describe('with Redis down', () => {
  it('answers 503 within ADMIN_QUEUE_TIMEOUT_MS and marks nothing replayed', async () => {
    const down = await startIngressWithoutRedis(env, { ADMIN_QUEUE_TIMEOUT_MS: '300' });
    try {
      const row = await seedFailure({ data: { orderId: 91, trigger: 'intake' } });
      const started = Date.now();
      const stats = await call(down.app, 'GET', '/api/admin/queues/stats', down.admin);
      expect(stats.status).toBe(503);
      expect(stats.body.error).toBe('queue_unavailable');
      const replay = await call(down.app, 'POST', `/api/admin/failures/${row.id}/replay`, down.admin);
      expect(replay.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await db.jobFailure.findUniqueOrThrow({ where: { id: row.id } })).replayedAt).toBeNull();
      // Reads that need only PostgreSQL still work.
      expect((await call(down.app, 'GET', '/api/admin/failures?limit=1', down.admin)).status).toBe(200);
    } finally {
      await down.close();
    }
  });
});

describe('OpenAPI', () => {
  it('documents the admin, orders, stock and webhook endpoints at /docs/json', async () => {
    const res = await get('/docs/json', null);
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<
      string,
      Record<string, { summary?: string; parameters?: unknown[] }>
    >;
    for (const [path, method] of [
      ['/api/admin/queues/stats', 'get'],
      ['/api/admin/webhooks/logs', 'get'],
      ['/api/admin/failures', 'get'],
      ['/api/admin/failures/{id}/replay', 'post'],
      ['/api/admin/failures/replay', 'post'],
      ['/api/admin/webhooks/{id}/replay', 'post'],
      ['/api/admin/webhooks/replay', 'post'],
      ['/api/admin/login', 'post'],
      ['/api/orders', 'post'],
      ['/api/orders/{id}', 'get'],
      ['/api/stock/stats', 'get'],
      ['/api/webhooks/setup', 'post'],
      ['/api/health', 'get'],
    ] as const) {
      expect(paths[path]?.[method]?.summary, `${method} ${path}`).toBeTruthy();
    }
    const logsParams = (paths['/api/admin/webhooks/logs']!.get!.parameters ?? []) as Array<{ name: string }>;
    expect(logsParams.map((p) => p.name).sort()).toEqual(['cursor', 'limit', 'provider', 'status']);
    const orderBody = JSON.stringify(
      (paths['/api/orders']!.post as { requestBody?: unknown }).requestBody ?? {},
    );
    expect(orderBody).toContain('customer_name');
    // Bull Board's own routes stay out of the document.
    expect(Object.keys(paths).some((p) => p.startsWith('/api/admin/queues/ui'))).toBe(false);
    const ui = await ingress.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });

  it('also documents a route that validates with zod schemas of its own (type-provider style)', async () => {
    const other = await startIngress(env);
    try {
      other.app.post(
        '/api/webhooks/zod-probe',
        {
          schema: { body: z.object({ eventId: z.string().describe('provider event id') }) },
          validatorCompiler:
            ({ schema }) =>
            (data) => {
              const r = (schema as unknown as z.ZodType).safeParse(data);
              return r.success ? { value: r.data } : { error: new Error(r.error.message) };
            },
        },
        async (_req, reply) => reply.code(202).send({ received: true }),
      );
      const doc = await call(other.app, 'GET', '/docs/json', null);
      expect(doc.status).toBe(200);
      expect(JSON.stringify(doc.body.paths['/api/webhooks/zod-probe'].post.requestBody)).toContain(
        'provider event id',
      );
      expect((await call(other.app, 'POST', '/api/webhooks/zod-probe', null, { eventId: 1 })).status).toBe(
        400,
      );
    } finally {
      await other.close();
    }
  });

  it('documentation schemas do not change how existing routes validate', async () => {
    // /api/orders keeps its own 401 before any body validation, and its zod 400 format.
    const noKey = await post('/api/orders', null, { nonsense: true });
    expect(noKey.status).toBe(401);
    const bad = await get('/api/orders?limit=0', ingress.viewer);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: 'bad_request',
      message: expect.stringContaining('limit'),
      issues: [expect.objectContaining({ path: 'limit' })],
    });
  });
});
