import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@cauce/testkit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * prometheus/alerts.yml is valid (`promtool check rules`), its unit tests pass
 * (`promtool test rules`), every alert has a firing and a quiet case, and every alert is
 * described in docs/operations-admin.md.
 */
const ROOT = REPO_ROOT;
const PROMTOOL = '/usr/bin/promtool';
const RULES = resolve(ROOT, 'prometheus/alerts.yml');
const TESTS = resolve(ROOT, 'prometheus/alerts.test.yml');
const run = promisify(execFile);

function requirePromtool() {
  if (!existsSync(PROMTOOL))
    throw new Error(
      `${PROMTOOL} is missing: install Prometheus' tools with \`apt-get install prometheus\` (CI does this)`,
    );
}

async function promtool(...args: string[]) {
  requirePromtool();
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, {
      cwd: resolve(ROOT, 'prometheus'),
      timeout: 60_000,
    });
    return { ok: true, out: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

interface RuleFile {
  groups: Array<{ rules: Array<{ alert?: string; expr: string }> }>;
}
interface TestFile {
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
}

const alertNames = () =>
  (parse(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap((g) =>
    g.rules.flatMap((r) => r.alert ?? []),
  );

describe('prometheus/alerts.yml', () => {
  it('passes promtool check rules', async () => {
    const res = await promtool('check', 'rules', RULES);
    expect(res.out).toContain('SUCCESS');
    expect(res.ok, res.out).toBe(true);
  });

  it('passes promtool test rules', async () => {
    const res = await promtool('test', 'rules', TESTS);
    expect(res.ok, res.out).toBe(true);
    expect(res.out).toContain('SUCCESS');
  });

  it('tests every alert both firing and not firing', () => {
    const tests = (parse(readFileSync(TESTS, 'utf8')) as TestFile).tests.flatMap(
      (t) => t.alert_rule_test ?? [],
    );
    const names = alertNames();
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const name of names) {
      const cases = tests.filter((t) => t.alertname === name);
      expect(
        cases.some((c) => (c.exp_alerts ?? []).length > 0),
        `${name} has a firing case`,
      ).toBe(true);
      expect(
        cases.some((c) => (c.exp_alerts ?? []).length === 0),
        `${name} has a not-firing case`,
      ).toBe(true);
    }
  });

  it('is documented: every alert has a row in docs/operations-admin.md', () => {
    const doc = readFileSync(resolve(ROOT, 'docs/operations-admin.md'), 'utf8');
    for (const name of alertNames()) expect(doc, name).toMatch(new RegExp(`\\|\\s*\`${name}\`\\s*\\|`));
  });

  it('fails loudly on a broken rule file (the check can fail)', async () => {
    const res = await promtool('check', 'rules', resolve(ROOT, 'prometheus/alerts.test.yml'));
    expect(res.ok).toBe(false);
  });
});
