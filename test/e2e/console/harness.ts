import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDb, type Db } from '@cauce/db';
import { buildIngress } from '@cauce/ingress/app';
import { ingressEnv } from '@cauce/ingress/config';
import { createDeps } from '@cauce/ingress/deps';
import { mintToken } from '@cauce/ingress/plugins/auth';
import { listenSim } from '@cauce/provider-sim/testing';
import { parseConfig } from '@cauce/runtime';
import { bearerFetch, freePort, REPO_ROOT, type TestEnv } from '@cauce/testkit';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * The console's browser-test harness: one file starts the stack (provider-sim, the real ingress
 * on a loopback port, and whatever workers its page needs, given as `workers`), one headless
 * Chromium, and a logged-in context per role (the login form, as an operator does it, once per
 * file). Each context records every request its pages make and aborts, and reports, any to a
 * host other than loopback; CSP violations are recorded too. `finish()` asserts both lists are
 * empty. Screenshots go to docs/console/<page>-<role>.png, which docs/console.md shows.
 *
 *   const stack = await startConsoleStack(env, { workers: async (s) => [await startX(cfg(s))] });
 *   const admin = await stack.as('admin');
 *   await admin.open('/admin/stock');
 *   ...
 *   await stack.shot(admin.page, 'stock');
 */
export const USERS = {
  admin: { name: 'ana-admin', password: 'console admin password 1' },
  viewer: { name: 'victor-viewer', password: 'console viewer password 1' },
} as const;
export type ConsoleRole = keyof typeof USERS;
export const SHOTS_DIR = resolve(REPO_ROOT, 'docs/console');
export const JWT_SECRET = 'console-test-secret-0123456789-0123456789';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export type Sim = Awaited<ReturnType<typeof listenSim>>;

export interface Closable {
  close(): Promise<unknown>;
}

export interface RoleSession {
  role: ConsoleRole;
  context: BrowserContext;
  page: Page;
  /** Every URL the role's pages requested, in order. */
  requests: string[];
  /** Requests to a host other than loopback (aborted). */
  outside: string[];
  violations: string[];
  /** Opens a console path (e.g. /admin/stock) and waits for the layout to show who is signed in. */
  open(path: string): Promise<void>;
}

export interface ConsoleStack<S extends Sim = Sim> {
  base: string;
  db: Db;
  sim: S;
  deps: Awaited<ReturnType<typeof createDeps>>;
  adminToken: string;
  viewerToken: string;
  browser: Browser;
  /** A JSON call with a Bearer token (admin by default). */
  // biome-ignore lint/suspicious/noExplicitAny: API JSON, asserted field by field in the tests
  api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  /** The logged-in context of a role (created and logged in on first use). */
  as(role: ConsoleRole): Promise<RoleSession>;
  /** docs/console/<name>-<role>.png of the page. */
  shot(session: RoleSession, name: string): Promise<string>;
  /** Asserts no outside request and no CSP violation happened, then stops everything. */
  finish(): Promise<void>;
}

export interface StackOptions<S extends Sim> {
  /** provider-sim with a worker's test helpers (e.g. worker-stock's startSim); default: listenSim. */
  startSim?: () => Promise<S>;
  /** Extra ingress variables (they may point at the sim, or at the ingress's own base URL). */
  ingress?: (sim: S, base: string) => Record<string, string>;
  /** Workers the page needs, started after the sim and the ingress; stopped first. */
  workers?: (stack: { env: TestEnv; sim: S; base: string }) => Promise<Closable[]>;
}

export async function startConsoleStack<S extends Sim = Sim>(
  env: TestEnv,
  opts: StackOptions<S> = {},
): Promise<ConsoleStack<S>> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  const sim = (await (opts.startSim ?? listenSim)()) as S;
  // A port known before the config: WEBHOOK_BASE_URL (SIIGO subscriptions) names this ingress.
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = parseConfig(ingressEnv, { ...env.env, JWT_SECRET, ...opts.ingress?.(sim, base) });
  const deps = await createDeps(config);
  const app = await buildIngress(deps);
  await app.listen({ port, host: '127.0.0.1' });
  for (const [role, u] of Object.entries(USERS))
    if (!(await app.accounts!.find(u.name)))
      await app.accounts!.add({ name: u.name, role: role as ConsoleRole, password: u.password }, 'test');
  const workers = (await opts.workers?.({ env, sim, base })) ?? [];
  const db = createDb(env.databaseUrl);
  const adminToken = mintToken(app, 'test-admin', 'admin');
  const viewerToken = mintToken(app, 'test-viewer', 'viewer');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const sessions = new Map<ConsoleRole, RoleSession>();

  async function login(role: ConsoleRole): Promise<RoleSession> {
    const context = await browser.newContext({
      locale: 'es-CO',
      timezoneId: 'America/Bogota',
      viewport: { width: 1360, height: 900 },
    });
    const requests: string[] = [];
    const outside: string[] = [];
    const violations: string[] = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      requests.push(url.href);
      if (['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) && !LOOPBACK.has(url.hostname)) {
        outside.push(url.href);
        return route.abort('blockedbyclient');
      }
      return route.continue();
    });
    // WebSockets bypass context.route: record them as they open.
    context.on('page', (p) => {
      p.on('websocket', (ws) => {
        const url = new URL(ws.url());
        requests.push(url.href);
        if (!LOOPBACK.has(url.hostname)) outside.push(url.href);
      });
      p.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(`${p.url()}: ${m.text()}`);
      });
    });
    const page = await context.newPage();
    // Not logged in: the console sends the browser to the login form, and back after it.
    await page.goto(`${base}/admin/`);
    await page.waitForURL(/\/api\/admin\/login\?next=/);
    await page.fill('#user', USERS[role].name);
    await page.fill('#password', USERS[role].password);
    await page.click('#login-button');
    await page.waitForURL(/\/admin\/$/);
    await page.locator(`#who[data-role="${role}"]`).waitFor();
    const session: RoleSession = {
      role,
      context,
      page,
      requests,
      outside,
      violations,
      async open(path) {
        await page.goto(`${base}${path}`);
        await page.locator(`#who[data-role="${role}"]`).waitFor();
      },
    };
    return session;
  }

  return {
    base,
    db,
    sim,
    deps,
    adminToken,
    viewerToken,
    browser,
    async api(method, path, body, token = adminToken) {
      const { status, text } = await bearerFetch(base, method, path, token, body);
      return { status, body: text ? JSON.parse(text) : null };
    },
    async as(role) {
      let s = sessions.get(role);
      if (!s) {
        s = await login(role);
        sessions.set(role, s);
      }
      return s;
    },
    async shot(session, name) {
      const path = resolve(SHOTS_DIR, `${name}-${session.role}.png`);
      await session.page.screenshot({ path, fullPage: true });
      return path;
    },
    async finish() {
      const outside = [...sessions.values()].flatMap((s) => s.outside);
      const violations = [...sessions.values()].flatMap((s) => s.violations);
      await browser.close();
      for (const w of workers.reverse()) await w.close();
      await app.close();
      await deps.close();
      await sim.close();
      await db.$disconnect();
      expect(outside, 'requests to hosts other than loopback').toEqual([]);
      expect(violations, 'Content-Security-Policy violations').toEqual([]);
    },
  };
}
