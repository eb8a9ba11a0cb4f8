import { setupTestEnv } from '@cauce/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../src/client.ts';
import { isScalarType, type PrismaField, type PrismaModel, parseSchema } from '../src/schema-parser.ts';
import { STATE_COLUMNS } from '../src/statuses.ts';

/**
 * schema.prisma and the hand-written migrations must agree: every model field is a column of
 * the right type and nullability, no table or NOT NULL column exists that the schema does not
 * know, and a create/read round trip works for every model through the generated client.
 */
const schema = parseSchema();
const env = await setupTestEnv();
let client: pg.Client;
let db: Db;

beforeAll(async () => {
  client = new pg.Client({ connectionString: env.databaseUrl });
  await client.connect();
  db = createDb(env.databaseUrl, { max: 2 });
});
afterAll(async () => {
  await client.end();
  await db.$disconnect();
});

const PG_TYPES: Record<string, (f: PrismaField) => string[]> = {
  String: (f) =>
    f.nativeType === 'VarChar'
      ? ['character varying']
      : f.nativeType === 'Uuid'
        ? ['uuid']
        : ['text', 'character varying'],
  Int: () => ['integer'],
  BigInt: () => ['bigint'],
  Boolean: () => ['boolean'],
  Float: () => ['double precision'],
  Decimal: () => ['numeric'],
  Json: () => ['jsonb'],
  Bytes: () => ['bytea'],
  DateTime: (f) =>
    f.nativeType === 'Timestamptz'
      ? ['timestamp with time zone']
      : f.nativeType === 'Date'
        ? ['date']
        : ['timestamp without time zone'],
};

interface Column {
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
}

async function columnsOf(table: string): Promise<Map<string, Column>> {
  const { rows } = await client.query<Column>(
    "SELECT column_name, data_type, udt_name, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
    [table],
  );
  return new Map(rows.map((r) => [r.column_name, r]));
}

describe('schema.prisma and migrations agree', () => {
  it('has a table for every model and a model for every table', async () => {
    const { rows } = await client.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'",
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual(schema.models.map((m) => m.table).sort());
  });

  for (const model of schema.models) {
    it(`${model.name}: every field is a column of the right type and nullability`, async () => {
      const cols = await columnsOf(model.table);
      const problems: string[] = [];
      const scalarFields = model.fields.filter((f) => !f.isRelation);
      for (const f of scalarFields) {
        const col = cols.get(f.column);
        if (!col) {
          problems.push(`${f.name}: no column "${f.column}"`);
          continue;
        }
        const expected = schema.enums[f.type]
          ? ['USER-DEFINED']
          : f.list
            ? ['ARRAY']
            : (PG_TYPES[f.type]?.(f) ?? []);
        if (!expected.includes(col.data_type))
          problems.push(`${f.name}: column type ${col.data_type}, expected ${expected.join('|')}`);
        const nullable = col.is_nullable === 'YES';
        if (nullable !== f.optional && !f.list)
          problems.push(`${f.name}: column nullable=${nullable}, schema optional=${f.optional}`);
        if (
          f.hasDefault &&
          col.column_default === null &&
          f.type !== 'Json' &&
          !/uuid|cuid|now/.test(f.type)
        ) {
          // Prisma-side defaults (uuid(), cuid()) have no column default; every other @default must.
          problems.push(`${f.name}: @default in the schema but no column default`);
        }
      }
      const known = new Set(scalarFields.map((f) => f.column));
      for (const [name, col] of cols) {
        if (!known.has(name)) problems.push(`column "${name}" (${col.data_type}) is not in the schema`);
      }
      expect(problems).toEqual([]);
    });
  }

  it('round-trips a row of every model through the generated client', async () => {
    const created = new Map<string, Record<string, unknown>>();
    for (const model of schema.models) await createRow(model, created);
    expect([...created.keys()].sort()).toEqual(schema.models.map((m) => m.name).sort());
  });
});

function sample(f: PrismaField, n: number, table: string): unknown {
  if (schema.enums[f.type]) return schema.enums[f.type]![0];
  // A state column takes one of its listed values (its CHECK constraint refuses anything else).
  const states = (STATE_COLUMNS as Record<string, Record<string, readonly string[]>>)[table]?.[f.column];
  if (states) return states[n % states.length];
  const value = (() => {
    switch (f.type) {
      case 'String':
        return `${f.name}-${n}-é`;
      case 'Int':
        return 1000 + n;
      case 'BigInt':
        return BigInt(10_000 + n);
      case 'Boolean':
        return true;
      case 'Float':
        return 1.5;
      case 'Decimal':
        return '12.34';
      case 'Json':
        return { sample: n, text: 'ñ' };
      case 'Bytes':
        return new Uint8Array([1, 2, 3]);
      case 'DateTime':
        return f.nativeType === 'Date'
          ? new Date('2026-01-02T00:00:00Z')
          : new Date('2026-01-02T03:04:05.678Z');
      default:
        throw new Error(`no sample for ${f.type}`);
    }
  })();
  return f.list ? [value] : value;
}

let counter = 0;
async function createRow(
  model: PrismaModel,
  created: Map<string, Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const done = created.get(model.name);
  if (done) return done;
  const data: Record<string, unknown> = {};
  const fkFields = new Set<string>();
  for (const rel of model.fields.filter((f) => f.isRelation && f.relationFields)) {
    const parentModel = schema.models.find((m) => m.name === rel.type)!;
    if (parentModel.name === model.name) continue; // self relation: leave optional link empty
    const parent = await createRow(parentModel, created);
    const parentId = parentModel.fields.find((f) => f.name === 'id') ? 'id' : parentModel.fields[0]!.name;
    rel.relationFields!.forEach((fk) => {
      fkFields.add(fk);
      data[fk] = parent[parentId];
    });
  }
  for (const f of model.fields) {
    if (f.isRelation || fkFields.has(f.name) || (!isScalarType(f.type) && !schema.enums[f.type])) continue;
    if (f.hasDefault || f.updatedAt) continue;
    data[f.name] = sample(f, ++counter, model.table);
  }
  const delegate = (
    db as unknown as Record<string, { create: (a: unknown) => Promise<Record<string, unknown>> }>
  )[model.name[0]!.toLowerCase() + model.name.slice(1)]!;
  const row = await delegate.create({ data });
  for (const [k, v] of Object.entries(data)) {
    const got = row[k];
    const norm = (x: unknown) =>
      x instanceof Date
        ? x.toISOString()
        : typeof x === 'object' && x !== null && 'toFixed' in x
          ? String(x)
          : x;
    expect(norm(got), `${model.name}.${k}`).toEqual(norm(v));
  }
  created.set(model.name, row);
  return row;
}
