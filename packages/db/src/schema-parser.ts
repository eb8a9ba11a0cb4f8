import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A small reader of our own schema.prisma (models, fields, maps, enums), enough to check the
 * hand-written migrations against it. Not a general Prisma parser.
 */
export interface PrismaField {
  name: string;
  column: string;
  type: string;
  optional: boolean;
  list: boolean;
  hasDefault: boolean;
  updatedAt: boolean;
  nativeType?: string;
  /** Set on relation fields: the scalar fields holding the foreign key. */
  relationFields?: string[];
  isRelation: boolean;
}

export interface PrismaModel {
  name: string;
  table: string;
  fields: PrismaField[];
}

export interface PrismaSchema {
  models: PrismaModel[];
  enums: Record<string, string[]>;
}

export const SCHEMA_PATH = resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '../../../prisma/schema.prisma',
);

const SCALARS = new Set([
  'String',
  'Int',
  'BigInt',
  'Boolean',
  'DateTime',
  'Json',
  'Decimal',
  'Float',
  'Bytes',
]);

export function parseSchema(text = readFileSync(SCHEMA_PATH, 'utf8')): PrismaSchema {
  const clean = text.replace(/\/\/.*$/gm, '');
  const enums: Record<string, string[]> = {};
  for (const m of blocksOf(clean, 'enum')) {
    enums[m[1]!] = m[2]!
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0]!)
      .filter((v) => v && !v.startsWith('@'));
  }
  const blocks = blocksOf(clean, 'model');
  const modelNames = new Set(blocks.map((b) => b[1]!));
  const models = blocks.map(([, name, body]) => {
    const table = /@@map\("([^"]+)"\)/.exec(body!)?.[1] ?? name!;
    const fields: PrismaField[] = [];
    for (const raw of body!.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('@@')) continue;
      const m = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (!m) continue;
      const [, fname, type, list, opt, attrs = ''] = m;
      const isRelation = modelNames.has(type!);
      const rel = /@relation\([^)]*fields:\s*\[([^\]]*)\]/.exec(attrs);
      fields.push({
        name: fname!,
        column: /@map\("([^"]+)"\)/.exec(attrs)?.[1] ?? fname!,
        type: type!,
        optional: Boolean(opt),
        list: Boolean(list),
        hasDefault: /@default\(/.test(attrs),
        updatedAt: /@updatedAt/.test(attrs),
        nativeType: /@db\.(\w+)/.exec(attrs)?.[1],
        relationFields: rel ? rel[1]!.split(',').map((s) => s.trim()) : undefined,
        isRelation,
      });
    }
    return { name: name!, table, fields };
  });
  return { models, enums };
}

export function isScalarType(type: string): boolean {
  return SCALARS.has(type);
}

/** `kind Name { ... }` blocks; a block ends at a line holding only `}` (bodies may contain braces). */
function blocksOf(text: string, kind: 'model' | 'enum'): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  const re = new RegExp(`^${kind}\\s+(\\w+)\\s*\\{\\s*$([\\s\\S]*?)^\\}\\s*$`, 'gm');
  for (const m of text.matchAll(re)) out.push([m[0], m[1]!, m[2]!]);
  return out;
}
