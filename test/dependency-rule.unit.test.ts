import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rule of the tree (README "Layout"): apps depend on packages, never on another
 * app, with one exception: the all-in-one process (`@cauce/all`, the composition root) starts the
 * other apps through their `<app>/role` entry and nothing else of theirs; packages never depend on an app; every workspace import is declared in the importer's
 * package.json; a relative import never leaves its own workspace. Checked over every source file
 * (`src/`) of every workspace, so a shortcut across the tree fails here before review.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Workspace {
  dir: string;
  name: string;
  kind: 'app' | 'package';
  deps: Set<string>;
}

const workspaces: Workspace[] = ['apps', 'packages'].flatMap((group) =>
  readdirSync(join(ROOT, group))
    .map((d) => join(ROOT, group, d))
    .filter((dir) => statSync(join(dir, 'package.json'), { throwIfNoEntry: false }))
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      return {
        dir,
        name: pkg.name as string,
        kind: group === 'apps' ? 'app' : 'package',
        deps: new Set(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })),
      } as Workspace;
    }),
);
const byName = new Map(workspaces.map((w) => [w.name, w]));

/** The one workspace allowed to start other apps, through their role entry only. */
const COMPOSITION_ROOT = '@cauce/all';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'generated') out.push(...sourceFiles(p));
    } else if (/\.(ts|mts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Static and dynamic import specifiers, and re-exports. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

function violations(ws: Workspace): string[] {
  const src = join(ws.dir, 'src');
  if (!statSync(src, { throwIfNoEntry: false })) return [];
  const problems: string[] = [];
  for (const file of sourceFiles(src)) {
    const where = relative(ROOT, file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (!spec) continue;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (relative(ws.dir, target).startsWith('..'))
          problems.push(`${where}: relative import ${spec} leaves ${ws.name}`);
        continue;
      }
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      const target = byName.get(name);
      if (!target) continue; // a third-party package or a node: builtin
      const allowed = target.kind === 'package' || (ws.name === COMPOSITION_ROOT && spec === `${name}/role`);
      if (!allowed) problems.push(`${where}: imports the app ${name}`);
      else if (!ws.deps.has(name)) problems.push(`${where}: imports ${name}, not in its package.json`);
    }
  }
  return problems;
}

describe('dependency rule', () => {
  it('finds every workspace', () => {
    expect(workspaces.filter((w) => w.kind === 'app').length).toBeGreaterThan(0);
    expect(workspaces.filter((w) => w.kind === 'package').length).toBeGreaterThan(0);
  });

  for (const ws of workspaces)
    it(`${ws.name}: imports only packages it declares, never an app`, () => {
      expect(violations(ws)).toEqual([]);
    });

  it('lets only the composition root start an app, through its role entry', () => {
    const root = byName.get(COMPOSITION_ROOT)!;
    expect(violations(root)).toEqual([]);
    // The same imports from any other app are violations.
    const other: Workspace = { ...root, name: '@cauce/not-the-root' };
    expect(violations(other).join('\n')).toMatch(/imports the app @cauce\/ingress/);
  });

  it('catches a violation (the checker itself)', () => {
    // The ingress with no declared dependencies: each of its imports of a package is reported.
    const fake: Workspace = { ...byName.get('@cauce/ingress')!, deps: new Set() };
    expect(violations(fake).join('\n')).toMatch(/imports @cauce\/queues, not in its package.json/);
  });
});
