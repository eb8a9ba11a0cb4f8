import { createDb } from '@cauce/db';
import { setupTestEnv } from '@cauce/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectionsFileError } from '../src/connections-file.ts';
import { syncWhatsappNumbers } from '../src/sync.ts';
import { connection, connectionsDir, memoryLogger, SECRET_TOKEN, VERIFY_TOKEN } from './support.ts';

const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 4 });
const files = await connectionsDir();
afterAll(() => db.$disconnect());

const ventas = connection('106540352242922', '+57 300 111 1111', 'Ventas Bogotá');
const soporte = connection('106540352242923', '300 222 2222', 'Soporte');
const cobros = connection('106540352242924', '573003333333', 'Cobros');
const citas = connection('106540352242925', '(300) 444-4444', 'Citas Medellín');

const sync = (log = memoryLogger().log) =>
  syncWhatsappNumbers({ db, file: files.file, defaultCountry: 'CO', log });
/** The whole table as text: what "changes nothing" and "no token" are checked against. */
const snapshot = async () =>
  JSON.stringify(await db.$queryRaw`SELECT * FROM crm_whatsapp_numbers ORDER BY id`, (_k, v) =>
    typeof v === 'bigint' ? String(v) : v,
  );
const row = (numberId: string) => db.crmWhatsappNumber.findUniqueOrThrow({ where: { numberId } });

describe('WhatsApp numbers sync (real file, real PostgreSQL)', () => {
  it('fresh import: every entry upserted by Meta id, phones in E.164, no token anywhere', async () => {
    await files.write({ connections: [ventas, soporte, cobros] });
    const logs = memoryLogger();
    const report = await sync(logs.log);

    expect(report.counts).toEqual({
      added: 3,
      updated: 0,
      repaired: 0,
      deactivated: 0,
      unchanged: 0,
      unassigned: 3,
      invalid: 0,
      conflicts: 0,
    });
    const rows = await db.crmWhatsappNumber.findMany({ orderBy: { numberId: 'asc' } });
    expect(
      rows.map((r) => [r.numberId, r.phoneNumber, r.displayName, r.wabaId, r.isActive, r.queueId]),
    ).toEqual([
      [ventas.phoneNumberId, '+573001111111', 'Ventas Bogotá', ventas.wabaId, true, null],
      [soporte.phoneNumberId, '+573002222222', 'Soporte', soporte.wabaId, true, null],
      [cobros.phoneNumberId, '+573003333333', 'Cobros', cobros.wabaId, true, null],
    ]);
    // Numbers without a queue are reported by display name (the document's silent failure).
    expect(report.unassigned.map((n) => n.displayName).sort()).toEqual([
      'Cobros',
      'Soporte',
      'Ventas Bogotá',
    ]);
    expect(logs.text()).toContain('3 active WhatsApp number(s) without a queue');
    expect(logs.text()).toContain('Ventas Bogotá');
    for (const secret of [SECRET_TOKEN, VERIFY_TOKEN]) {
      expect(await snapshot()).not.toContain(secret);
      expect(JSON.stringify(report)).not.toContain(secret);
      expect(logs.text()).not.toContain(secret);
    }
  });

  it('a re-run with the same file is a no-op: nothing written, updated_at unchanged', async () => {
    const before = await snapshot();
    await new Promise((r) => setTimeout(r, 20)); // a write would move updated_at
    const report = await sync();
    expect(report.counts).toMatchObject({ added: 0, updated: 0, repaired: 0, deactivated: 0, unchanged: 3 });
    expect(await snapshot()).toBe(before);
  });

  it('changed fields are updated, and only those rows', async () => {
    const untouched = await row(soporte.phoneNumberId);
    await files.write([{ ...ventas, alias: 'Ventas Bogotá Centro' }, soporte, cobros]);
    const report = await sync();
    expect(report.updated).toEqual([
      { numberId: ventas.phoneNumberId, displayName: 'Ventas Bogotá Centro', fields: ['displayName'] },
    ]);
    expect((await row(ventas.phoneNumberId)).displayName).toBe('Ventas Bogotá Centro');
    expect((await row(soporte.phoneNumberId)).updatedAt).toEqual(untouched.updatedAt);
  });

  it('a row registered with a generated wsp- id is repaired to the Meta id and keeps its queue', async () => {
    const queue = await db.crmQueue.create({ data: { name: 'Citas' } });
    // The legacy row stored the phone as typed, not E.164.
    const legacy = await db.crmWhatsappNumber.create({
      data: {
        numberId: 'wsp-1700000000-x7',
        phoneNumber: '300 444 4444',
        displayName: 'Citas',
        queueId: queue.id,
      },
    });
    await files.write([{ ...ventas, alias: 'Ventas Bogotá Centro' }, soporte, cobros, citas]);
    const report = await sync();
    expect(report.repaired).toEqual([
      {
        from: 'wsp-1700000000-x7',
        to: citas.phoneNumberId,
        displayName: 'Citas Medellín',
        queueId: queue.id,
      },
    ]);
    expect(report.counts).toMatchObject({ added: 0, repaired: 1, deactivated: 0, unassigned: 3 });
    const repaired = await row(citas.phoneNumberId);
    expect(repaired).toMatchObject({
      id: legacy.id, // the same row, so anything pointing at it still does
      phoneNumber: '+573004444444',
      displayName: 'Citas Medellín',
      queueId: queue.id,
      isActive: true,
    });
    expect(await db.crmWhatsappNumber.count({ where: { numberId: { startsWith: 'wsp-' } } })).toBe(0);
    expect(report.unassigned.map((n) => n.numberId)).not.toContain(citas.phoneNumberId);
  });

  it('a number removed from the file, or set isActive:false, is deactivated, never deleted', async () => {
    const queue = await db.crmQueue.create({ data: { name: 'Cobranza' } });
    await db.crmWhatsappNumber.update({
      where: { numberId: cobros.phoneNumberId },
      data: { queueId: queue.id },
    });
    await files.write([{ ...ventas, alias: 'Ventas Bogotá Centro' }, { ...soporte, isActive: false }, citas]);
    const report = await sync();
    expect(report.deactivated.map((n) => n.numberId).sort()).toEqual(
      [soporte.phoneNumberId, cobros.phoneNumberId].sort(),
    );
    expect(report.counts).toMatchObject({ deactivated: 2, updated: 0, added: 0 });
    expect(await row(cobros.phoneNumberId)).toMatchObject({ isActive: false, queueId: queue.id });
    expect(await row(soporte.phoneNumberId)).toMatchObject({ isActive: false });
    expect(await db.crmWhatsappNumber.count()).toBe(4);
    // Inactive numbers are not "without a queue": they receive nothing.
    expect(report.unassigned.map((n) => n.numberId)).toEqual([ventas.phoneNumberId]);

    // Back in the file: active again, queue as it was.
    await files.write([{ ...ventas, alias: 'Ventas Bogotá Centro' }, soporte, cobros, citas]);
    const back = await sync();
    expect(back.updated.map((u) => [u.numberId, u.fields])).toEqual([
      [soporte.phoneNumberId, ['isActive']],
      [cobros.phoneNumberId, ['isActive']],
    ]);
    expect(await row(cobros.phoneNumberId)).toMatchObject({ isActive: true, queueId: queue.id });
  });

  it('malformed JSON gives a clear error and changes nothing', async () => {
    const before = await snapshot();
    await files.write('[{"phoneNumberId": "106540352242926", "displayNumber": "300 555 5555",');
    const err = await sync().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionsFileError);
    expect((err as Error).message).toMatch(
      new RegExp(`^${files.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: malformed JSON \\(`),
    );
    expect(await snapshot()).toBe(before);

    await files.write({ numbers: [] });
    await expect(sync()).rejects.toThrow(
      /expected a JSON array of connections or an object with a "connections" array/,
    );
    expect(await snapshot()).toBe(before);
  });

  it('a missing file is an error, not "every number was removed"', async () => {
    const before = await snapshot();
    await expect(
      syncWhatsappNumbers({
        db,
        file: `${files.dir}/nope.json`,
        defaultCountry: 'CO',
        log: memoryLogger().log,
      }),
    ).rejects.toThrow(/cannot read the connections file/);
    expect(await snapshot()).toBe(before);
  });

  it('duplicate phoneNumberIds are reported as a conflict; invalid entries one by one; the rest applies', async () => {
    const nuevo = connection('106540352242927', '300 777 7777', 'Nuevo');
    const before = await row(ventas.phoneNumberId);
    await files.write([
      { ...ventas, alias: 'Ventas A' },
      { ...ventas, alias: 'Ventas B' },
      soporte,
      { ...cobros, displayNumber: 'sin número' },
      { alias: 'roto' },
      citas,
      nuevo,
    ]);
    const logs = memoryLogger();
    const report = await sync(logs.log);
    expect(report.conflicts).toEqual([
      { phoneNumberId: ventas.phoneNumberId, indexes: [0, 1], aliases: ['Ventas A', 'Ventas B'] },
    ]);
    expect(report.invalid.map((i) => [i.index, i.phoneNumberId])).toEqual([
      [3, cobros.phoneNumberId],
      [4, undefined],
    ]);
    expect(report.invalid[1]!.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^phoneNumberId: /),
        expect.stringMatching(/^displayNumber: /),
      ]),
    );
    expect(report.counts).toMatchObject({ added: 1, conflicts: 1, invalid: 2, deactivated: 0 });
    // Conflicting and invalid entries leave their rows exactly as they were (not deactivated).
    expect(await row(ventas.phoneNumberId)).toEqual(before);
    expect(await row(cobros.phoneNumberId)).toMatchObject({ isActive: true });
    expect(await row(nuevo.phoneNumberId)).toMatchObject({ phoneNumber: '+573007777777', isActive: true });
    expect(logs.text()).toContain('several entries claim the same phoneNumberId');
    expect(logs.text()).toContain('invalid connection entry skipped');
    expect(logs.text()).not.toContain(SECRET_TOKEN);
  });

  it('a database failure half-way rolls the whole sync back', async () => {
    // A real PostgreSQL error on the second insert (a trigger in this test's own database).
    await db.$executeRaw`
      CREATE FUNCTION refuse_boom() RETURNS trigger AS $$
      BEGIN
        IF NEW.display_name = 'boom' THEN RAISE EXCEPTION 'refused by test trigger'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`;
    await db.$executeRaw`CREATE TRIGGER refuse_boom BEFORE INSERT ON crm_whatsapp_numbers FOR EACH ROW EXECUTE FUNCTION refuse_boom()`;
    try {
      const before = await snapshot();
      await files.write([
        soporte,
        cobros,
        citas,
        connection('106540352242928', '300 888 8888', 'Primero'),
        connection('106540352242929', '300 999 9999', 'boom'),
      ]);
      await expect(sync()).rejects.toThrow(/refused by test trigger/);
      expect(await snapshot()).toBe(before); // neither the insert before it nor the deactivations
    } finally {
      await db.$executeRaw`DROP TRIGGER refuse_boom ON crm_whatsapp_numbers`;
      await db.$executeRaw`DROP FUNCTION refuse_boom()`;
    }
  });

  it('concurrent syncs (two replicas, or the CLI during a job) run one after the other', async () => {
    await files.write([ventas, soporte, cobros, citas, connection('106540352242930', '301 000 0000', 'Par')]);
    // Hold the table so both syncs are surely in flight at once before either can read it.
    const runs = await db.$transaction(async (tx) => {
      await tx.$executeRaw`LOCK TABLE crm_whatsapp_numbers IN ACCESS EXCLUSIVE MODE`;
      const both = [sync(), sync()].map((p) => p.catch((e: unknown) => e));
      await new Promise((r) => setTimeout(r, 300));
      return both;
    });
    const [a, b] = (await Promise.all(runs)) as Awaited<ReturnType<typeof sync>>[];
    // The second saw the first's committed work: no unique violation, one insert.
    expect([a!.counts.added, b!.counts.added].sort()).toEqual([0, 1]);
    expect(await db.crmWhatsappNumber.count({ where: { numberId: '106540352242930' } })).toBe(1);
  });

  it('a wsp- twin of a number already known by its Meta id hands over its queue and is deactivated', async () => {
    const queue = await db.crmQueue.create({ data: { name: 'Soporte' } });
    expect((await row(soporte.phoneNumberId)).queueId).toBeNull();
    const twin = await db.crmWhatsappNumber.create({
      data: {
        numberId: 'wsp-soporte-legacy',
        phoneNumber: '+57 300 2222222',
        displayName: 'Soporte',
        queueId: queue.id,
      },
    });
    const report = await sync();
    expect(report.repaired).toEqual([
      { from: twin.numberId, to: soporte.phoneNumberId, displayName: 'Soporte', queueId: queue.id },
    ]);
    expect(report.deactivated).toEqual([{ numberId: twin.numberId, displayName: 'Soporte' }]);
    expect(report.counts).toMatchObject({ added: 0, updated: 0, repaired: 1, deactivated: 1 });
    expect(await row(soporte.phoneNumberId)).toMatchObject({ queueId: queue.id, isActive: true });
    expect(await row(twin.numberId)).toMatchObject({ queueId: queue.id, isActive: false });
  });
});
