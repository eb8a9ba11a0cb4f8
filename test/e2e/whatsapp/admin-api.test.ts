import { createDb } from '@cauce/db';
import { mintToken } from '@cauce/ingress/plugins/auth';
import type { WorkerApp } from '@cauce/runtime';
import { setupTestEnv, waitFor } from '@cauce/testkit';
import { startWhatsappWorker } from '@cauce/worker-whatsapp/app';
import type { WhatsappConfig } from '@cauce/worker-whatsapp/config';
import { connection, connectionsDir, SECRET_TOKEN, whatsappConfig } from '@cauce/worker-whatsapp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngress } from '../ingress.ts';

/** The ingress endpoints that replace the source document's manual SQL, against a running worker. */
const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 2 });
const files = await connectionsDir();
let ingress: Awaited<ReturnType<typeof startIngress>>;
let worker: WorkerApp<WhatsappConfig>;
let admin: string;
let viewer: string;

const ventas = connection('506540352242901', '+57 316 111 1111', 'Ventas');
const soporte = connection('506540352242902', '316 222 2222', 'Soporte');
const viejo = connection('506540352242903', '316 333 3333', 'Viejo', { isActive: false });

beforeAll(async () => {
  await files.write([ventas, soporte, viejo]);
  worker = await startWhatsappWorker(whatsappConfig(env, files.file, { WHATSAPP_WATCH: 'false' }));
  ingress = await startIngress(env);
  admin = mintToken(ingress.app, 'ana', 'admin');
  viewer = mintToken(ingress.app, 'victor', 'viewer');
});
afterAll(async () => {
  await ingress?.close();
  await worker?.close();
  await db.$disconnect();
});

const call = async (method: 'GET' | 'PUT' | 'POST', url: string, token: string | null, payload?: unknown) => {
  const res = await ingress.app.inject({
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

  it('POST /api/whatsapp/queues creates a queue an admin can assign; a name is taken once (admin)', async () => {
    expect((await call('POST', '/api/whatsapp/queues', viewer, { name: 'Cobranza' })).status).toBe(403);
    expect((await call('POST', '/api/whatsapp/queues', admin, { name: '  ' })).status).toBe(400);
    const created = await call('POST', '/api/whatsapp/queues', admin, { name: ' Cobranza ' });
    expect(created).toMatchObject({ status: 201, body: { name: 'Cobranza', isActive: true } });
    expect(await db.crmQueue.findUniqueOrThrow({ where: { id: created.body.id } })).toMatchObject({
      name: 'Cobranza',
      isActive: true,
    });
    const twice = await call('POST', '/api/whatsapp/queues', admin, { name: 'cobranza' });
    expect(twice).toMatchObject({ status: 409, body: { error: 'queue_exists', id: created.body.id } });
    const assigned = await call('PUT', `/api/whatsapp/numbers/${soporte.phoneNumberId}/queue`, admin, {
      queueId: created.body.id,
    });
    expect(assigned.body).toMatchObject({ state: 'active', queue: { id: created.body.id } });
  });

  it('a dry run reports what a sync would change and changes nothing; the syncs list keeps both', async () => {
    const nuevo = connection('506540352242904', '316 444 4444', 'Nuevo');
    // A number registered by hand under a generated id, with its queue: the sync repairs it.
    const queue = await db.crmQueue.create({ data: { name: 'Reparada' } });
    const legado = connection('506540352242905', '316 555 5555', 'Legado');
    await db.crmWhatsappNumber.create({
      data: {
        numberId: 'wsp-legado',
        phoneNumber: '+573165555555',
        displayName: 'Legado',
        queueId: queue.id,
      },
    });
    const before = await call('GET', '/api/whatsapp/numbers', viewer);
    const legacy = before.body.numbers.find((n: { numberId: string }) => n.numberId === 'wsp-legado');
    expect(legacy).toMatchObject({ state: 'needs_repair', repairedAt: null });
    expect(
      before.body.numbers.find((n: { numberId: string }) => n.numberId === viejo.phoneNumberId),
    ).toMatchObject({ state: 'inactive' });
    await files.write([ventas, soporte, viejo, nuevo, legado]);

    const dry = await call('POST', '/api/whatsapp/numbers/sync', admin, { dryRun: true });
    expect(dry.status).toBe(202);
    const previewed = await waitFor(async () => {
      const s = await call('GET', dry.body.statusUrl, viewer);
      return s.body.state === 'completed' ? s : null;
    });
    expect(previewed.body).toMatchObject({ dryRun: true, report: { dryRun: true } });
    expect(previewed.body.report.counts).toMatchObject({ added: 1, repaired: 1 });
    expect(await db.crmWhatsappNumber.findUnique({ where: { numberId: nuevo.phoneNumberId } })).toBeNull();
    expect(await db.crmWhatsappNumber.findUnique({ where: { numberId: 'wsp-legado' } })).not.toBeNull();

    const real = await call('POST', '/api/whatsapp/numbers/sync', admin, {});
    await waitFor(async () => {
      const s = await call('GET', real.body.statusUrl, viewer);
      return s.body.state === 'completed' ? s : null;
    });
    const repaired = await db.crmWhatsappNumber.findUniqueOrThrow({
      where: { numberId: legado.phoneNumberId },
    });
    expect(repaired).toMatchObject({ queueId: queue.id });
    expect(repaired.repairedAt).toBeInstanceOf(Date);
    const after = await call('GET', '/api/whatsapp/numbers', viewer);
    const state = (id: string) =>
      after.body.numbers.find((n: { numberId: string }) => n.numberId === id)?.state;
    expect(state(legado.phoneNumberId)).toBe('repaired');
    expect(state(nuevo.phoneNumberId)).toBe('unassigned');

    const list = await call('GET', '/api/whatsapp/numbers/syncs?limit=5', viewer);
    expect(list.status).toBe(200);
    expect(list.body.syncs.slice(0, 2)).toMatchObject([
      // Progress: the file's five entries, all applied.
      { jobId: real.body.jobId, dryRun: false, state: 'completed', progress: { done: 5, total: 5 } },
      {
        jobId: dry.body.jobId,
        dryRun: true,
        state: 'completed',
        progress: { done: 5, total: 5 },
        report: { counts: { added: 1 } },
      },
    ]);
    expect(JSON.stringify(list.body)).not.toContain(SECRET_TOKEN);
    expect((await call('GET', '/api/whatsapp/numbers/syncs?limit=0', viewer)).status).toBe(400);
  });
});
