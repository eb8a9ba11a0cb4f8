import { describe, expect, it } from 'vitest';
import { ConnectionsFileError, parseConnections } from '../src/connections-file.ts';
import { connection, SECRET_TOKEN } from './support.ts';

const a = connection('111111111111111', '+57 300 111 1111', 'Ventas');
const b = connection('222222222222222', '300 222 2222', 'Soporte');

describe('parseConnections', () => {
  it('accepts a JSON array and an object with a connections array alike', () => {
    const fromArray = parseConnections(JSON.stringify([a, b]), 'CO');
    const fromObject = parseConnections(JSON.stringify({ version: 2, connections: [a, b] }), 'CO');
    expect(fromObject).toEqual(fromArray);
    expect(parseConnections(`\uFEFF${JSON.stringify([a, b])}`, 'CO')).toEqual(fromArray);
    expect(fromArray.entries).toEqual([
      {
        index: 0,
        phoneNumberId: a.phoneNumberId,
        phoneNumber: '+573001111111',
        displayName: 'Ventas',
        wabaId: '102290129340398',
        isActive: true,
      },
      expect.objectContaining({ index: 1, phoneNumber: '+573002222222', displayName: 'Soporte' }),
    ]);
    expect(JSON.stringify(fromArray.entries)).not.toContain(SECRET_TOKEN);
  });

  it('malformed JSON and a wrong top-level shape are file errors that name the file', () => {
    expect(() => parseConnections('[{"phoneNumberId": "1",', 'CO', '/etc/wa.json')).toThrow(
      ConnectionsFileError,
    );
    expect(() => parseConnections('[{"phoneNumberId": "1",', 'CO', '/etc/wa.json')).toThrow(
      /^\/etc\/wa\.json: malformed JSON/,
    );
    expect(() => parseConnections('{"numbers": []}', 'CO', 'f.json')).toThrow(
      /expected a JSON array of connections or an object with a "connections" array/,
    );
  });

  it('reports invalid entries one by one, naming the field, and keeps the others', () => {
    const res = parseConnections(
      JSON.stringify([
        a,
        { ...b, phoneNumberId: 'wsp-abc123' },
        'just a string',
        { ...connection('555555555555555', 'not a phone', 'Sin número') },
        { ...connection('333333333333333', '300 333 3333', 'Cobros'), isActive: 'yes' },
        connection('444444444444444', '300 444 4444', 'Citas'),
      ]),
      'CO',
    );
    expect(res.entries.map((e) => e.index)).toEqual([0, 5]);
    expect(res.invalid.map((i) => i.index)).toEqual([1, 2, 3, 4]);
    expect(res.invalid[0]!.errors).toEqual(["phoneNumberId: must be Meta's numeric phone number id"]);
    expect(res.invalid[0]).toMatchObject({ id: `conn-${b.phoneNumberId}`, alias: 'Soporte' });
    expect(res.invalid[1]!.errors).toEqual(['(entry): Invalid input: expected object, received string']);
    expect(res.invalid[2]!.errors).toEqual([
      'displayNumber: "not a phone" is not a phone number (default country CO)',
    ]);
    expect(res.invalid[3]!.errors[0]).toMatch(/^isActive: /);
    // Named by invalid entries: their rows must not be deactivated for it.
    expect([...res.untouchable].sort()).toEqual(['333333333333333', '555555555555555', 'wsp-abc123']);
    expect(JSON.stringify(res.invalid)).not.toContain(SECRET_TOKEN);
  });

  it('two entries with the same phoneNumberId are a conflict, not a crash; neither is applied', () => {
    const res = parseConnections(JSON.stringify([a, b, { ...a, alias: 'Ventas 2' }]), 'CO');
    expect(res.conflicts).toEqual([
      { phoneNumberId: a.phoneNumberId, indexes: [0, 2], aliases: ['Ventas', 'Ventas 2'] },
    ]);
    expect(res.entries.map((e) => e.phoneNumberId)).toEqual([b.phoneNumberId]);
    expect(res.untouchable.has(a.phoneNumberId)).toBe(true);
  });

  it('numeric ids are accepted when a JSON number can hold them exactly', () => {
    const res = parseConnections(
      JSON.stringify([
        { ...a, phoneNumberId: 111111111111111 },
        { ...b, phoneNumberId: 2 ** 53 + 2 },
      ]),
      'CO',
    );
    expect(res.entries.map((e) => e.phoneNumberId)).toEqual(['111111111111111']);
    expect(res.invalid[0]!.errors[0]).toBe(
      'phoneNumberId: is not a safe JSON number; write the phone number id as a string',
    );
  });
});
