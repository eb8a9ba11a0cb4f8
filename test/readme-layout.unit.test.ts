import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../scripts/build.ts';

/**
 * The README's "Layout" table tells the truth: every path it names exists, and every workspace
 * under apps/ and packages/, and test/e2e, is named (directly or by a `prefix-*` pattern).
 */
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### Layout'));
const table = section.slice(0, section.indexOf('\n\n', section.indexOf('|')));
const named = table
  .split('\n')
  .filter((l) => l.startsWith('| `'))
  .flatMap((l) => [...(l.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\/$/, '')));

const matches = (pattern: string, path: string) =>
  pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern;

describe('README layout table', () => {
  it('names paths that exist', () => {
    expect(named.length).toBeGreaterThan(5);
    for (const p of named) {
      const ok = p.endsWith('*')
        ? readdirSync(join(ROOT, p.slice(0, p.lastIndexOf('/')))).some((d) =>
            matches(p, `${p.slice(0, p.lastIndexOf('/'))}/${d}`),
          )
        : existsSync(join(ROOT, p));
      expect(ok, `README layout names ${p}, which is not in the tree`).toBe(true);
    }
  });

  it('names every workspace under apps/ and packages/, and test/e2e', () => {
    const workspaces = ['apps', 'packages'].flatMap((g) =>
      readdirSync(join(ROOT, g))
        .filter(
          (d) => statSync(join(ROOT, g, d)).isDirectory() && existsSync(join(ROOT, g, d, 'package.json')),
        )
        .map((d) => `${g}/${d}`),
    );
    workspaces.push('test/e2e');
    const missing = workspaces.filter((w) => !named.some((p) => matches(p, w)));
    expect(missing, 'workspaces the README layout table does not name').toEqual([]);
  });
});
