import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { simEnvSchema } from '@cauce/provider-sim/config';
import { REPO_ROOT } from '@cauce/testkit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ingressEnv } from '../apps/ingress/src/config.ts';
import { BOOKINGS_WORKER_PORT } from '../apps/worker-bookings/src/app.ts';
import { ORDERS_WORKER_PORT } from '../apps/worker-orders/src/app.ts';
import { STAGING_PORT } from '../apps/worker-staging/src/app.ts';
import { STOCK_WORKER_PORT } from '../apps/worker-stock/src/app.ts';
import { WHATSAPP_WORKER_PORT } from '../apps/worker-whatsapp/src/app.ts';
import { workerEnv } from '../packages/runtime/src/worker-config.ts';
import { deployTargets } from '../scripts/deploy.ts';

/**
 * No Docker engine runs here, so docker-compose.yml, the Dockerfile and prometheus/prometheus.yml
 * are checked by structure: what `docker compose up` would need to start, scale and scrape.
 */
const file = (p: string) => readFileSync(resolve(REPO_ROOT, p), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  working_dir?: string;
  container_name?: string;
  ports?: string[];
  profiles?: string[];
  restart?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}
const compose = parse(file('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const WORKER_PORTS: Record<string, number> = {
  'worker-bookings': BOOKINGS_WORKER_PORT,
  'worker-orders': ORDERS_WORKER_PORT,
  'worker-stock': STOCK_WORKER_PORT,
  'worker-staging': STAGING_PORT,
  'worker-whatsapp': WHATSAPP_WORKER_PORT,
};
// Node apps (apps/console is a browser bundle the ingress serves, not a service of its own).
const apps = readdirSync(resolve(REPO_ROOT, 'apps')).filter((a) =>
  existsSync(resolve(REPO_ROOT, 'apps', a, 'src/main.ts')),
);
const workers = apps.filter((a) => a.startsWith('worker-'));
const appServices = ['migrate', 'ingress', ...workers];

describe('docker-compose.yml', () => {
  it('has a service for every app, each running its compiled entry point from its deploy folder', () => {
    for (const app of [...apps, 'migrate']) expect(services, app).toHaveProperty(app);
    const folders = deployTargets();
    for (const name of [...appServices, 'provider-sim', 'all']) {
      const folder = name === 'migrate' ? 'db' : name;
      const svc = services[name]!;
      // The image holds scripts/deploy.ts's output under /app: one folder per app, plus the migrator.
      expect(svc.working_dir, name).toBe(`/app/${folder}`);
      expect(folders, name).toHaveProperty(folder);
      const entry = name === 'migrate' ? 'dist/cli/migrate.js' : 'dist/main.js';
      // The all-in-one entry takes the roles to run; workers run with a small young generation.
      const flags = name.startsWith('worker-') ? ['--max-semi-space-size=1'] : [];
      expect(svc.command, name).toEqual(name === 'all' ? ['node', entry, 'all'] : ['node', ...flags, entry]);
      // What the build emits it from (tsconfig.build.json: src → dist).
      const source = resolve(folders[folder]!, entry.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts'));
      expect(existsSync(source), `${name}: ${source}`).toBe(true);
      expect(existsSync(resolve(folders[folder]!, 'tsconfig.build.json')), name).toBe(true);
    }
  });

  it('PostgreSQL and Redis have healthchecks; Redis persists with AOF and never evicts', () => {
    expect(services.postgres!.healthcheck!.test.join(' ')).toContain('pg_isready');
    expect(services.redis!.healthcheck!.test).toContain('ping');
    const redis = services.redis!.command!.join(' ');
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--maxmemory-policy noeviction');
    expect(services.redis!.volumes?.length).toBeGreaterThan(0);
    expect(services.postgres!.volumes?.length).toBeGreaterThan(0);
  });

  it('apps wait for healthy services and a finished migration; the migrator runs once', () => {
    expect(services.migrate!.restart).toBe('no');
    expect(services.migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const name of ['ingress', ...workers])
      expect(services[name]!.depends_on, name).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    for (const svc of Object.values(services))
      for (const dep of Object.keys(svc.depends_on ?? {})) expect(services).toHaveProperty(dep);
  });

  it('every worker is scalable and health-checked on its own port', () => {
    expect(workers.sort()).toEqual(Object.keys(WORKER_PORTS).sort());
    for (const name of workers) {
      const svc = services[name]!;
      expect(svc.container_name, name).toBeUndefined();
      expect(svc.ports, name).toBeUndefined();
      expect(svc.environment?.WORKER_PORT, name).toBe(String(WORKER_PORTS[name]));
      expect(svc.healthcheck!.test.join(' '), name).toContain(`:${WORKER_PORTS[name]}/health`);
      expect(svc.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(svc.environment?.REDIS_URL).toBe('redis://redis:6379');
    }
    expect(services.ingress!.healthcheck!.test.join(' ')).toContain(':3001/api/ready');
  });

  it("three replicas of every worker and two ingress fit PostgreSQL's default max_connections", () => {
    const pool = (name: string) => Number(services[name]!.environment?.DB_POOL_MAX);
    for (const name of ['ingress', ...workers]) expect(pool(name), name).toBeGreaterThan(0);
    const budget = 3 * workers.reduce((n, w) => n + pool(w), 0) + 2 * pool('ingress');
    // 100 minus superuser_reserved_connections (3), the migrator (1) and a few for operators' psql.
    expect(budget).toBeLessThanOrEqual(90);
  });

  it('every app uses the one image built from the Dockerfile', () => {
    for (const name of [...appServices, 'provider-sim', 'all']) {
      expect(services[name]!.build, name).toBe('.');
      expect(services[name]!.image, name).toBe('cauce:latest');
    }
  });

  it('Prometheus loads prometheus.yml and the alert rules; provider-sim only in the demo profile, all-in-one only in its own', () => {
    const mounts = services.prometheus!.volumes!.map((v) => v.split(':').slice(0, 2));
    expect(mounts).toContainEqual(['./prometheus/prometheus.yml', '/etc/prometheus/prometheus.yml']);
    expect(mounts).toContainEqual(['./prometheus/alerts.yml', '/etc/prometheus/alerts.yml']);
    expect(services['provider-sim']!.profiles).toEqual(['demo']);
    // `docker compose up` keeps one service per role; the all-in-one process replaces them on demand.
    expect(services.all!.profiles).toEqual(['all-in-one']);
    for (const [name, svc] of Object.entries(services))
      if (name !== 'provider-sim' && name !== 'all') expect(svc.profiles, name).toBeUndefined();
  });
});

describe('listen addresses', () => {
  it('every app listens on loopback unless told otherwise, and npm run stack keeps it so', () => {
    expect(ingressEnv.shape.HOST.parse(undefined)).toBe('127.0.0.1');
    expect(workerEnv.shape.WORKER_HOST.parse(undefined)).toBe('127.0.0.1');
    expect(simEnvSchema.shape.SIM_HOST.parse(undefined)).toBe('127.0.0.1');
    const start = file('scripts/start.ts');
    for (const v of ['HOST', 'WORKER_HOST', 'SIM_HOST'])
      expect(start, v).toContain(`env.${v} ??= '127.0.0.1';`);
  });

  it('the image and compose open every app on 0.0.0.0 explicitly', () => {
    const env = file('Dockerfile').match(/^ENV .*HOST.*$/m)?.[0] ?? '';
    for (const v of ['HOST', 'WORKER_HOST', 'SIM_HOST']) expect(env, v).toContain(`${v}=0.0.0.0`);
    expect(services.ingress!.environment?.HOST).toBe('0.0.0.0');
    for (const name of workers) expect(services[name]!.environment?.WORKER_HOST, name).toBe('0.0.0.0');
    expect(services['provider-sim']!.environment?.SIM_HOST).toBe('0.0.0.0');
  });
});

describe('prometheus/prometheus.yml', () => {
  const prom = parse(file('prometheus/prometheus.yml')) as {
    rule_files: string[];
    scrape_configs: Array<{
      job_name: string;
      dns_sd_configs?: Array<{ names: string[]; type: string; port: number }>;
    }>;
  };

  it('finds every replica of the ingress and each worker by DNS, on the port it serves', () => {
    const expected = { ingress: 3001, ...WORKER_PORTS };
    for (const [name, port] of Object.entries(expected)) {
      const job = prom.scrape_configs.find((j) => j.job_name === name);
      expect(job, name).toBeDefined();
      expect(job!.dns_sd_configs, name).toEqual([{ names: [name], type: 'A', port }]);
    }
    expect(prom.rule_files).toEqual(['alerts.yml']);
  });

  it('passes promtool check config (which also checks the rule file)', async () => {
    const promtool = '/usr/bin/promtool';
    if (!existsSync(promtool))
      throw new Error(`${promtool} is missing: apt-get install prometheus (CI does this)`);
    const { stdout } = await promisify(execFile)(promtool, ['check', 'config', 'prometheus.yml'], {
      cwd: resolve(REPO_ROOT, 'prometheus'),
    });
    expect(stdout).toContain('is valid prometheus config file syntax');
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });
});

describe('Dockerfile', () => {
  const docker = file('Dockerfile');
  const stages = [...docker.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);

  it('is multi-stage on Node 24 and runs as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const image of stages) expect(image).toMatch(/^node:24/);
    expect(docker).toMatch(/^USER node$/m);
    expect(docker).toContain('pnpm install --frozen-lockfile');
  });

  it('builds and deploys as scripts/check-build.ts does; the runtime stage holds only the deploy', () => {
    const [build, runtime] = docker.split(/^FROM .* AS runtime$/m);
    expect(runtime, 'a stage named runtime').toBeDefined();
    expect(build).toContain('RUN pnpm run build && pnpm run deploy:prod /deploy');
    expect(runtime).toContain('COPY --from=build /deploy /app');
    // Nothing installs, builds or runs TypeScript in the image that ships.
    expect(runtime).not.toMatch(/pnpm|npm |tsx|COPY \. /);
    expect(runtime).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    const scripts = JSON.parse(file('package.json')).scripts;
    expect(scripts.build).toBe('tsx scripts/build.ts');
    expect(scripts['deploy:prod']).toBe('tsx scripts/deploy.ts');
  });

  it('copies every workspace manifest before installing, so the lockfile install is complete', () => {
    // Every workspace pnpm-workspace.yaml names (a `dir/*` glob or one directory).
    const globs = (parse(file('pnpm-workspace.yaml')) as { packages: string[] }).packages;
    const manifests = globs
      .flatMap((g) =>
        g.endsWith('/*')
          ? readdirSync(resolve(REPO_ROOT, g.slice(0, -2))).map((d) => `${g.slice(0, -2)}/${d}/package.json`)
          : [`${g}/package.json`],
      )
      .filter((p) => existsSync(resolve(REPO_ROOT, p)));
    expect(manifests).toEqual(expect.arrayContaining(['bench/package.json', 'test/e2e/package.json']));
    for (const m of manifests) {
      // A manifest, or its whole workspace (the console builds at install, so its source comes first).
      const dir = m.slice(0, -'/package.json'.length);
      expect(docker.includes(`COPY ${m}`) || docker.includes(`COPY ${dir} ${dir}`), m).toBe(true);
    }
    // The lockfile records .pnpmfile.cjs's checksum: a frozen install needs it.
    expect(docker).toContain('COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .pnpmfile.cjs ./');
  });

  it('.dockerignore keeps host node_modules, builds and the generated client out of the image context', () => {
    const ignore = file('.dockerignore').split('\n');
    expect(ignore).toContain('**/node_modules');
    expect(ignore).toContain('packages/db/src/generated');
    expect(ignore).toContain('**/dist');
  });
});
