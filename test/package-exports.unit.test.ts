import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../scripts/build.ts';

/**
 * Every workspace's package.json points only at files that exist: `exports`, `main` and `types`
 * at the source (what tsx, vitest and tsc resolve), and `publishConfig` (what scripts/deploy.ts
 * gives production) at the dist file the build emits from a source file that exists.
 */
interface Manifest {
  name: string;
  main?: string;
  types?: string;
  exports?: unknown;
  publishConfig?: { main?: string; types?: string; exports?: unknown };
  dependencies?: Record<string, string>;
  files?: string[];
}

const globs = (parse(readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8')) as { packages: string[] })
  .packages;
const workspaces = globs.flatMap((g) =>
  g.endsWith('/*')
    ? readdirSync(join(ROOT, g.slice(0, -2))).map((d) => join(ROOT, g.slice(0, -2), d))
    : [join(ROOT, g)],
);
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

/** Every file path in an `exports` value (a string, conditions, or subpaths, nested). */
function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(targets);
  if (value && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
}
const entryPoints = (m: Pick<Manifest, 'main' | 'types' | 'exports'>) =>
  [m.main, m.types, ...targets(m.exports)].filter((t): t is string => !!t);

describe('workspace manifests', () => {
  it('finds every workspace', () => {
    expect(workspaces.map((w) => relative(ROOT, w))).toEqual(
      expect.arrayContaining(['apps/ingress', 'packages/db', 'packages/runtime', 'bench']),
    );
  });

  it.each(workspaces.map((w) => [relative(ROOT, w), w]))('%s: exports, main and types exist', (_, dir) => {
    for (const target of entryPoints(manifest(dir)))
      expect(existsSync(join(dir, target)), `${relative(ROOT, dir)}: ${target}`).toBe(true);
  });

  it.each(workspaces.filter((w) => manifest(w).publishConfig).map((w) => [relative(ROOT, w), w]))(
    '%s: publishConfig points at what the build emits from an existing source',
    (_, dir) => {
      const build = JSON.parse(readFileSync(join(dir, 'tsconfig.build.json'), 'utf8'));
      expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
      const published = entryPoints(manifest(dir).publishConfig!);
      expect(published.length).toBeGreaterThan(0);
      for (const target of published) {
        expect(target, `${relative(ROOT, dir)}: ${target}`).toMatch(/^\.\/dist\/.+\.(js|d\.ts)$/);
        const source = target.replace(/^\.\/dist\//, './src/').replace(/(\.d)?\.ts$|\.js$/, '.ts');
        expect(existsSync(join(dir, source)), `${relative(ROOT, dir)}: ${target} from ${source}`).toBe(true);
      }
    },
  );

  it('every workspace package an app depends on is built and deployed from dist', () => {
    const byName = new Map(workspaces.map((w) => [manifest(w).name, w]));
    // Node apps (apps/console is a browser bundle the ingress serves: built by Vite, not deployed alone).
    const apps = workspaces.filter(
      (w) => relative(ROOT, w).startsWith('apps/') && manifest(w).name !== '@cauce/console',
    );
    expect(apps.length).toBeGreaterThan(5);
    for (const app of apps) {
      expect(existsSync(join(app, 'tsconfig.build.json')), relative(ROOT, app)).toBe(true);
      expect(existsSync(join(app, 'src/main.ts')), relative(ROOT, app)).toBe(true);
      for (const [dep, spec] of Object.entries(manifest(app).dependencies ?? {})) {
        // The console is files the ingress serves (its dist/), not code it imports.
        if (!spec.startsWith('workspace:') || dep === '@cauce/console') continue;
        const dir = byName.get(dep)!;
        expect(manifest(dir).publishConfig?.exports, `${dep} (used by ${relative(ROOT, app)})`).toBeDefined();
        // dist, plus data files the code reads at run time (provider-sim's fixtures)
        expect(manifest(dir).files, dep).toContain('dist');
      }
    }
  });
});
