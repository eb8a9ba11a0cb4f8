import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rule of the tree (README "Layout"): apps depend on packages, never on another
 * app, with one exception: the all-in-one process (`@cauce/all`, the composition root) starts the
 * other apps through their `<app>/role` entry and nothing else of theirs; packages never depend on an
 * app; a relative import never leaves its own workspace. The same holds for each workspace's tests
 * (`test/`): a test that needs two apps is a cross-app test and lives in `test/e2e` (`@cauce/e2e`),
 * the one workspace that may import any app, through the app's package.json `exports`; nothing
 * imports `test/e2e`. Every workspace import is declared: in the importer's package.json (the
 * root's too, for an app's or package's tests, which run from the root). Checked over every
 * source and test file, so a shortcut across the tree fails here before review.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Workspace {
  dir: string;
  name: string;
  kind: 'app' | 'package' | 'e2e';
  deps: Set<string>;
}

const depsOf = (dir: string) => {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return {
    name: pkg.name as string,
    deps: new Set(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })),
  };
};

const E2E_DIR = join(ROOT, 'test/e2e');
const workspaces: Workspace[] = [
  ...['apps', 'packages'].flatMap((group) =>
    readdirSync(join(ROOT, group))
      .map((d) => join(ROOT, group, d))
      .filter((dir) => statSync(join(dir, 'package.json'), { throwIfNoEntry: false }))
      .map((dir): Workspace => ({ dir, ...depsOf(dir), kind: group === 'apps' ? 'app' : 'package' })),
  ),
  { dir: E2E_DIR, ...depsOf(E2E_DIR), kind: 'e2e' },
];
/** What the root package.json declares: an app's or package's tests run from the root. */
const rootDeps = depsOf(ROOT).deps;
const byName = new Map(workspaces.map((w) => [w.name, w]));

/** The one workspace allowed to start other apps, through their role entry only. */
const COMPOSITION_ROOT = '@cauce/all';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  if (!statSync(dir, { throwIfNoEntry: false })) return out;
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

/** The files checked and the dependencies they may use: `src/` by the workspace's own manifest. */
function checkedFiles(ws: Workspace): Array<{ file: string; deps: Set<string> }> {
  if (ws.kind === 'e2e') return sourceFiles(ws.dir).map((file) => ({ file, deps: ws.deps }));
  const testDeps = new Set([...ws.deps, ...rootDeps]);
  return [
    ...sourceFiles(join(ws.dir, 'src')).map((file) => ({ file, deps: ws.deps })),
    ...sourceFiles(join(ws.dir, 'test')).map((file) => ({ file, deps: testDeps })),
  ];
}

/** What is wrong with one import of one file of `ws`, if anything. */
function problem(ws: Workspace, file: string, spec: string, deps: Set<string>): string | undefined {
  const where = relative(ROOT, file);
  if (spec.startsWith('.')) {
    const target = resolve(dirname(file), spec);
    return relative(ws.dir, target).startsWith('..')
      ? `${where}: relative import ${spec} leaves ${ws.name}`
      : undefined;
  }
  const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
  const target = byName.get(name);
  if (!target || target === ws) return undefined; // a third-party package, a node: builtin, or itself
  if (target.kind === 'e2e') return `${where}: imports the cross-app tests ${name}`;
  const allowed =
    target.kind === 'package' ||
    ws.kind === 'e2e' ||
    (ws.name === COMPOSITION_ROOT && spec === `${name}/role`);
  if (!allowed) return `${where}: imports the app ${name}`;
  if (!deps.has(name)) return `${where}: imports ${name}, not in its package.json`;
  return undefined;
}

function violations(ws: Workspace): string[] {
  return checkedFiles(ws).flatMap(({ file, deps }) =>
    [...readFileSync(file, 'utf8').matchAll(IMPORT)].flatMap(([, spec]) => {
      const p = spec ? problem(ws, file, spec, deps) : undefined;
      return p ? [p] : [];
    }),
  );
}

describe('dependency rule', () => {
  it('finds every workspace', () => {
    expect(workspaces.filter((w) => w.kind === 'app').length).toBeGreaterThan(0);
    expect(workspaces.filter((w) => w.kind === 'package').length).toBeGreaterThan(0);
    expect(byName.get('@cauce/e2e')?.kind).toBe('e2e');
  });

  for (const ws of workspaces)
    it(`${ws.name}: imports only what it may and declares`, () => {
      expect(violations(ws)).toEqual([]);
    });

  it('lets only the composition root start an app, through its role entry', () => {
    const root = byName.get(COMPOSITION_ROOT)!;
    expect(violations(root)).toEqual([]);
    // The same imports from any other app are violations.
    const other: Workspace = { ...root, name: '@cauce/not-the-root' };
    expect(violations(other).join('\n')).toMatch(/imports the app @cauce\/ingress/);
  });

  it('lets only test/e2e import any app; an app whose tests did the same is in violation', () => {
    const e2e = byName.get('@cauce/e2e')!;
    expect(violations(e2e)).toEqual([]);
    expect(problem(e2e, join(E2E_DIR, 'stock/live.test.ts'), '@cauce/ingress/app', e2e.deps)).toBeUndefined();
    const stock = byName.get('@cauce/worker-stock')!;
    const file = join(stock.dir, 'test/live.test.ts');
    expect(problem(stock, file, '@cauce/ingress/app', new Set(['@cauce/ingress']))).toMatch(
      /imports the app @cauce\/ingress/,
    );
    expect(problem(stock, file, '../../ingress/src/app.ts', stock.deps)).toMatch(
      /leaves @cauce\/worker-stock/,
    );
  });

  it('reports an import of test/e2e from an app, its tests or a package', () => {
    const ingress = byName.get('@cauce/ingress')!;
    const file = join(ingress.dir, 'test/x.test.ts');
    expect(problem(ingress, file, '@cauce/e2e', new Set(['@cauce/e2e']))).toMatch(
      /imports the cross-app tests/,
    );
    expect(problem(ingress, file, '../../../test/e2e/ingress.ts', ingress.deps)).toMatch(
      /leaves @cauce\/ingress/,
    );
  });

  it('catches a violation (the checker itself)', () => {
    // The ingress with no declared dependencies: each of its imports of a package is reported.
    const fake: Workspace = { ...byName.get('@cauce/ingress')!, deps: new Set() };
    expect(violations(fake).join('\n')).toMatch(/imports @cauce\/queues, not in its package.json/);
  });
});
