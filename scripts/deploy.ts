/**
 * `npm run deploy:prod -- <dir>`, after `npm run build`: one folder per app under <dir>
 * (`<dir>/ingress`, `<dir>/worker-bookings`, …) holding its dist and its production dependencies
 * only (`pnpm deploy --prod`), started with `node dist/main.js`; plus `<dir>/db`, the migrator
 * (`node dist/cli/migrate.js`). The Dockerfile and scripts/check-build.ts both deploy with this.
 *
 * pnpm 10 deploys from the shared lockfile (the versions the tests ran) only with
 * inject-workspace-packages; it is set for the deploy alone, since injecting in development would
 * copy the workspace packages instead of linking their source. Workspace packages point `exports`
 * at src/*.ts (tsx and vitest run the source) and `publishConfig.exports` at dist/*.js; pnpm
 * applies publishConfig when it packs, not when it deploys, so this applies it to each deployed copy.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './build.ts';

interface Manifest {
  name: string;
  exports?: Record<string, string>;
  publishConfig?: { exports?: Record<string, string> };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  packageManager?: string;
}
export const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

/**
 * What gets deployed: every app that runs (has src/main.ts; the operator console is files the
 * ingress serves, deployed inside it as a dependency), and packages/db for the migrator.
 * Folder name → workspace dir.
 */
export function deployTargets(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const app of readdirSync(join(ROOT, 'apps')))
    if (existsSync(join(ROOT, 'apps', app, 'src/main.ts'))) out[app] = join(ROOT, 'apps', app);
  out.db = join(ROOT, 'packages/db');
  return out;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    // Under `npx -p node@24 -c …` (CI) npm exports its own -p/-c, which would hijack this npx.
    const { npm_config_call, npm_config_package, ...env } = process.env;
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? ok() : fail(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`)),
    );
  });
}

/** Each deployed @cauce/* package's manifest with publishConfig applied (written whole, never in place: the files are hard links into pnpm's store). */
function applyPublishConfig(appDir: string): void {
  const store = join(appDir, 'node_modules/.pnpm');
  if (!existsSync(store)) return;
  for (const entry of readdirSync(store)) {
    const scope = join(store, entry, 'node_modules/@cauce');
    if (!entry.startsWith('@cauce+') || !existsSync(scope)) continue;
    for (const name of readdirSync(scope)) {
      const dir = realpathSync(join(scope, name));
      const manifest = readManifest(dir);
      if (!manifest.publishConfig) continue;
      const { publishConfig, ...rest } = manifest;
      const published = { ...rest, ...publishConfig };
      for (const target of Object.values(published.exports ?? {}))
        if (!existsSync(join(dir, target)))
          throw new Error(
            `${manifest.name}: deployed exports point at ${target}, which is missing (run npm run build)`,
          );
      const tmp = join(dir, `package.json.${process.pid}.tmp`);
      writeFileSync(tmp, `${JSON.stringify(published, null, 2)}\n`);
      renameSync(tmp, join(dir, 'package.json'));
    }
  }
}

/** Deploys every target (two at a time) into `outDir`, replacing what was there. */
export async function deploy(outDir: string, log: (line: string) => void = (l) => console.log(l)) {
  const pnpm = readManifest(ROOT).packageManager!; // pnpm@<version>, the one the lockfile is for
  const targets = Object.entries(deployTargets());
  for (const [folder, ws] of targets)
    if (!existsSync(join(ws, 'dist'))) throw new Error(`${folder}: no dist, run npm run build first`);
  const queue = [...targets];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [folder, ws] = next;
      const target = resolve(outDir, folder);
      rmSync(target, { recursive: true, force: true });
      const started = Date.now();
      // --ignore-scripts: the db postinstall generates the Prisma client, which dist already holds.
      // --offline: everything is in the store since the install that preceded the build.
      await run('npx', [
        '-y',
        pnpm,
        '--config.inject-workspace-packages=true',
        '--filter',
        readManifest(ws).name,
        'deploy',
        '--prod',
        '--ignore-scripts',
        '--offline',
        target,
      ]);
      applyPublishConfig(target);
      log(`deployed ${basename(ws)} to ${target} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  };
  await Promise.all([worker(), worker()]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: npm run deploy:prod -- <dir>');
    process.exit(1);
  }
  await deploy(out);
}
