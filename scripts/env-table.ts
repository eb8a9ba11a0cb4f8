/**
 * The README's configuration table, generated from the apps' zod env schemas (the only place
 * variables are declared) and the `/** … *\/` comment above each key. `pnpm env:table` rewrites
 * the README section between the markers; a unit test fails when the README is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simEnvSchema } from '@cauce/provider-sim/config';
import { ingressEnv } from '../apps/ingress/src/config.ts';
import { bookingsEnv } from '../apps/worker-bookings/src/config.ts';
import { ordersEnv } from '../apps/worker-orders/src/config.ts';
import { stagingEnv } from '../apps/worker-staging/src/config.ts';
import { stockEnv } from '../apps/worker-stock/src/config.ts';
import { whatsappEnv } from '../apps/worker-whatsapp/src/config.ts';
import { baseEnv } from '../packages/runtime/src/config.ts';
import { workerEnv } from '../packages/runtime/src/worker-config.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const README = resolve(ROOT, 'README.md');
const START = '<!-- env-table:start -->';
const END = '<!-- env-table:end -->';

/** The part of a zod object schema this script needs (zod is not a root dependency). */
interface EnvField {
  safeParse(v: unknown): { success: boolean; data?: unknown };
}
interface EnvObject {
  shape: Record<string, EnvField>;
}

/** Variables two apps read alike, declared (and commented) once in a package. */
const SIIGO_ACCOUNT = 'packages/providers/src/siigo/env.ts';

/** Groups in table order; a group lists only the keys its parent group does not already have. */
const GROUPS: Array<{
  name: string;
  schema: EnvObject;
  parent?: EnvObject;
  source: string;
  shared?: string[];
}> = [
  { name: 'every process', schema: baseEnv, source: 'packages/runtime/src/config.ts' },
  {
    name: 'every worker',
    schema: workerEnv,
    parent: baseEnv,
    source: 'packages/runtime/src/worker-config.ts',
  },
  {
    name: 'ingress',
    schema: ingressEnv,
    parent: baseEnv,
    source: 'apps/ingress/src/config.ts',
    shared: [SIIGO_ACCOUNT],
  },
  {
    name: 'worker-bookings',
    schema: bookingsEnv,
    parent: workerEnv,
    source: 'apps/worker-bookings/src/config.ts',
  },
  {
    name: 'worker-orders',
    schema: ordersEnv,
    parent: workerEnv,
    source: 'apps/worker-orders/src/config.ts',
  },
  {
    name: 'worker-stock',
    schema: stockEnv,
    parent: workerEnv,
    source: 'apps/worker-stock/src/config.ts',
    shared: [SIIGO_ACCOUNT],
  },
  {
    name: 'worker-staging',
    schema: stagingEnv,
    parent: workerEnv,
    source: 'apps/worker-staging/src/config.ts',
  },
  {
    name: 'worker-whatsapp',
    schema: whatsappEnv,
    parent: workerEnv,
    source: 'apps/worker-whatsapp/src/config.ts',
  },
  { name: 'provider-sim', schema: simEnvSchema, source: 'packages/provider-sim/src/config.ts' },
];

/** `/** comment *\/ KEY:` pairs of a config source file. */
function comments(file: string): Map<string, string> {
  const src = readFileSync(resolve(ROOT, file), 'utf8');
  const out = new Map<string, string>();
  for (const m of src.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\n\s*([A-Z][A-Z0-9_]+)\s*:/g)) {
    const text = m[1]!
      .split('\n')
      .map((l) => l.replace(/^\s*\*\s?/, '').trim())
      .filter(Boolean)
      .join(' ');
    out.set(m[2]!, text);
  }
  return out;
}

function defaultOf(field: EnvField): string {
  const res = field.safeParse(undefined);
  if (!res.success) return '**required**';
  const v = res.data;
  if (v === undefined) return '(unset)';
  if (Array.isArray(v)) return v.length ? `\`${v.join(',')}\`` : '(empty)';
  return `\`${typeof v === 'object' ? JSON.stringify(v) : String(v)}\``;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function envTable(): string {
  const lines: string[] = [];
  for (const g of GROUPS) {
    const docs = new Map([...(g.shared ?? []), g.source].flatMap((f) => [...comments(f)]));
    const keys = Object.keys(g.schema.shape).filter((k) => !g.parent || !(k in g.parent.shape));
    // Keys an app inherits but documents in its own file (e.g. a worker-specific default) are skipped here.
    if (!keys.length) continue;
    lines.push(`**${g.name}**`, '', '| Variable | Default | Meaning |', '| --- | --- | --- |');
    for (const key of keys) {
      const field = g.schema.shape[key]!;
      lines.push(`| \`${key}\` | ${cell(defaultOf(field))} | ${cell(docs.get(key) ?? '')} |`);
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}

/** The README with its configuration section replaced by the current table. */
export function renderReadme(readme: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md needs the markers ${START} and ${END}`);
  return `${readme.slice(0, a + START.length)}\n${envTable()}\n${readme.slice(b)}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const current = readFileSync(README, 'utf8');
  const next = renderReadme(current);
  if (next !== current) writeFileSync(README, next);
  console.log(
    next === current ? 'README configuration table is up to date' : 'README configuration table rewritten',
  );
}
