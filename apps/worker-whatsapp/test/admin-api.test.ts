import { createDb } from '@cauce/db';
import { parseConfig, type WorkerApp } from '@cauce/runtime';
import { setupTestEnv, waitFor } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIngress } from '../../ingress/src/app.ts';
import { ingressEnv } from '../../ingress/src/config.ts';
import { createDeps } from '../../ingress/src/deps.ts';
import { mintToken } from '../../ingress/src/plugins/auth.ts';
import { startWhatsappWorker } from '../src/app.ts';
import type { WhatsappConfig } from '../src/config.ts';
import { connection, connectionsDir, SECRET_TOKEN, whatsappConfig } from './support.ts';

/** The ingress endpoints that replace the source document's manual SQL, against a running worker. */
const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 2 });
const files = await connectionsDir();
let ingress: Awaited<ReturnType<typeof buildIngress>>;
let deps: Awaited<ReturnType<typeof createDeps>>;
let worker: WorkerApp<WhatsappConfig>;
let admin: string;
let viewer: string;

const ventas = connection('506540352242901', '+57 316 111 1111', 'Ventas');
const soporte = connection('506540352242902', '316 222 2222', 'Soporte');
const viejo = connection('506540352242903', '316 333 3333', 'Viejo', { isActive: false });

beforeAll(async () => {
  await files.write([ventas, soporte, viejo]);
  worker = await startWhatsappWorker(whatsappConfig(env, files.file, { WHATSAPP_WATCH: 'false' }));
  deps = await createDeps(parseConfig(ingressEnv, { ...env.env, JWT_SECRET: 'x'.repeat(40) }));
  ingress = await buildIngress(deps);
  admin = mintToken(ingress, 'ana', 'admin');
  viewer = mintToken(ingress, 'victor', 'viewer');
});
afterAll(async () => {
  await ingress?.close();
  await deps?.close();
  await worker?.close();
  await db.$disconnect();
});

const call = async (method: 'GET' | 'PUT' | 'POST', url: string, token: string | null, payload?: unknown) => {
  const res = await ingress.inject({
    method,
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: res.statusCode, body: res.json() };
};

describe('WhatsApp numbers admin API', () => {
  it('POST /api/whatsapp/numbers/sync enqueues a sync whose report can be followed', async () => {
    expect((await call('POST', '/api/whatsapp/numbers/sync', viewer)).status).toBe(403);
    const res = await call('POST', '/api/whatsapp/numbers/sync', admin);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      queued: true,
      statusUrl: `/api/whatsapp/numbers/sync/${res.body.jobId}`,
    });
    const done = await waitFor(
      async () => {
        const s = await call('GET', res.body.statusUrl, viewer);
        return s.body.state === 'completed' ? s : null;
      },
      { message: 'manual sync completed' },
    );
    expect(done.body).toMatchObject({ trigger: 'manual', error: null });
    expect(done.body.report.counts).toMatchObject({ added: 3, unassigned: 2 });
    expect(JSON.stringify(done.body)).not.toContain(SECRET_TOKEN);
    expect((await call('GET', '/api/whatsapp/numbers/sync/nope', viewer)).status).toBe(404);
  });

  it('GET /api/whatsapp/numbers?unassigned=true lists active numbers without a queue (viewer)', async () => {
    expect((await call('GET', '/api/whatsapp/numbers', null)).status).toBe(401);
    const res = await call('GET', '/api/whatsapp/numbers?unassigned=true', viewer);
    expect(res.status).toBe(200);
    expect(res.body.numbers.map((n: { numberId: string }) => n.numberId)).toEqual([
      soporte.phoneNumberId,
      ventas.phoneNumberId,
    ]);
    // Phone numbers are masked for viewers, like every phone (docs/operations-admin.md, Redaction).
    expect(res.body.numbers[1]).toMatchObject({
      phoneNumber: '[redacted]',
      displayName: 'Ventas',
      isActive: true,
      queue: null,
    });
    const all = await call('GET', '/api/whatsapp/numbers', viewer);
    expect(all.body.count).toBe(3);
    const inactive = await call('GET', '/api/whatsapp/numbers?active=false', viewer);
    expect(inactive.body.numbers.map((n: { numberId: string }) => n.numberId)).toEqual([viejo.phoneNumberId]);
    expect((await call('GET', '/api/whatsapp/numbers?unassigned=maybe', viewer)).status).toBe(400);
  });

  it('PUT /api/whatsapp/numbers/:numberId/queue assigns only queues that exist and are active (admin)', async () => {
    const queue = await db.crmQueue.create({ data: { name: 'Ventas' } });
    const closed = await db.crmQueue.create({ data: { name: 'Cerrada', isActive: false } });
    const url = `/api/whatsapp/numbers/${ventas.phoneNumberId}/queue`;

    expect((await call('PUT', url, viewer, { queueId: queue.id })).status).toBe(403);
    expect((await call('PUT', url, admin, { queueId: 'x' })).status).toBe(400);
    const unknown = await call('PUT', url, admin, { queueId: queue.id + 1000 });
    expect(unknown).toMatchObject({ status: 422, body: { error: 'unknown_queue' } });
    const inactive = await call('PUT', url, admin, { queueId: closed.id });
    expect(inactive).toMatchObject({ status: 422, body: { error: 'inactive_queue' } });
    const missing = await call('PUT', '/api/whatsapp/numbers/999/queue', admin, { queueId: queue.id });
    expect(missing.status).toBe(404);
    expect(
      (await db.crmWhatsappNumber.findUniqueOrThrow({ where: { numberId: ventas.phoneNumberId } })).queueId,
    ).toBeNull();

    const ok = await call('PUT', url, admin, { queueId: queue.id });
    expect(ok).toMatchObject({
      status: 200,
      body: { numberId: ventas.phoneNumberId, queue: { id: queue.id, name: 'Ventas' } },
    });
    const left = await call('GET', '/api/whatsapp/numbers?unassigned=true', viewer);
    expect(left.body.numbers.map((n: { numberId: string }) => n.numberId)).toEqual([soporte.phoneNumberId]);
    const queues = await call('GET', '/api/whatsapp/queues', viewer);
    expect(queues.body.queues[0]).toMatchObject({ id: queue.id, name: 'Ventas', activeNumbers: 1 });

    // A sync afterwards keeps the assignment and no longer reports the number.
    const sync = await call('POST', '/api/whatsapp/numbers/sync', admin);
    const done = await waitFor(async () => {
      const s = await call('GET', sync.body.statusUrl, viewer);
      return s.body.state === 'completed' ? s : null;
    });
    expect(done.body.report.unassigned.map((n: { numberId: string }) => n.numberId)).toEqual([
      soporte.phoneNumberId,
    ]);
    expect(
      (await db.crmWhatsappNumber.findUniqueOrThrow({ where: { numberId: ventas.phoneNumberId } })).queueId,
    ).toBe(queue.id);

    const cleared = await call('PUT', url, admin, { queueId: null });
    expect(cleared).toMatchObject({ status: 200, body: { queue: null } });
  });
});
