/**
 * `npm run build`: compiles every app and the packages it uses to `<workspace>/dist` with tsc
 * (project references: tsconfig.build.json), from clean, then copies what tsc does not: the
 * non-TypeScript files under each `src` (the ingress pages) and `prisma/migrations` into
 * `packages/db/dist/migrations`, where the compiled migrator looks first, and builds the operator
 * console (apps/console, Vite) into apps/console/dist, which the ingress serves under /admin. Production runs this
 * output with `node dist/main.js` (docs/operations.md, "Production build").
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Workspaces with a tsconfig.build.json (every app and the packages apps use). */
export function builtWorkspaces(): string[] {
  return ['apps', 'packages'].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .map((d) => join(ROOT, dir, d))
      .filter((d) => existsSync(join(d, 'tsconfig.build.json'))),
  );
}

export function build(log: (line: string) => void = (l) => console.log(l)): void {
  const workspaces = builtWorkspaces();
  // From clean: tsc -b trusts its .tsbuildinfo, and a file deleted from src would linger in dist.
  for (const ws of workspaces) rmSync(join(ws, 'dist'), { recursive: true, force: true });
  const started = Date.now();
  const tsc = spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error(`tsc -b tsconfig.build.json failed (exit ${tsc.status})`);
  for (const ws of workspaces)
    cpSync(join(ws, 'src'), join(ws, 'dist'), {
      recursive: true,
      filter: (src) => !src.endsWith('.ts'),
    });
  cpSync(join(ROOT, 'prisma/migrations'), join(ROOT, 'packages/db/dist/migrations'), { recursive: true });
  const consoleDir = join(ROOT, 'apps/console');
  const vite = spawnSync(join(consoleDir, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], {
    cwd: consoleDir,
    stdio: 'inherit',
  });
  if (vite.status !== 0) throw new Error(`vite build (apps/console) failed (exit ${vite.status})`);
  log(
    `built ${[...workspaces, consoleDir].map((w) => relative(ROOT, w)).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build();
