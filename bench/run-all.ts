/**
 * `pnpm bench:all`: runs every `bench:<name>` script of the root package.json one after the
 * other, reads the last line each prints (the JSON summary every benchmark ends with), and
 * writes bench/RESULTS.md: each figure beside the baseline measured in the same run.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Summary {
  bench: string;
  figures: Record<string, number>;
  baseline?: Record<string, number>;
  ratio?: number | null;
}

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const names = Object.keys(pkg.scripts)
  .filter((s) => s.startsWith('bench:') && s !== 'bench:all')
  .map((s) => s.slice('bench:'.length));
const only = process.argv.slice(2);
// The soak runs for 10 minutes with chaos: only when asked for by name (`pnpm bench:all soak`).
const selected = only.length ? names.filter((n) => only.includes(n)) : names.filter((n) => n !== 'soak');

function run(name: string): Promise<{ summary?: Summary; error?: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('npx', ['-y', 'pnpm@10.34.9', 'run', '--silent', `bench:${name}`], {
      cwd: root,
      env: process.env,
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('exit', (code) => {
      const seconds = (Date.now() - started) / 1000;
      const last = out
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.trim().startsWith('{'));
      try {
        const summary = JSON.parse(last ?? '') as Summary;
        resolve(code === 0 ? { summary, seconds } : { summary, error: `exit ${code}`, seconds });
      } catch {
        resolve({ error: `exit ${code}, no JSON summary line`, seconds });
      }
    });
  });
}

const fmt = (n: number | undefined | null) =>
  n === undefined || n === null
    ? ''
    : Math.abs(n) >= 100
      ? n.toFixed(0)
      : Math.abs(n) >= 1
        ? n.toFixed(2)
        : n.toFixed(3);

const rows: string[] = [];
const results: Array<{ name: string; summary?: Summary; error?: string; seconds: number }> = [];
for (const name of selected) {
  console.log(`\n=== bench:${name}`);
  const r = await run(name);
  results.push({ name, ...r });
  if (!r.summary) {
    rows.push(`| ${name} | (failed: ${r.error}) | | | |`);
    continue;
  }
  const baseline = r.summary.baseline ?? {};
  for (const [figure, value] of Object.entries(r.summary.figures)) {
    rows.push(`| ${name} | ${figure} | ${fmt(value)} | ${fmt(baseline[figure])} | |`);
  }
  for (const [figure, value] of Object.entries(baseline)) {
    if (!(figure in r.summary.figures)) rows.push(`| ${name} | baseline: ${figure} | | ${fmt(value)} | |`);
  }
  rows.push(`| ${name} | **ratio** | | | **${fmt(r.summary.ratio)}** |`);
}

const md = `# Benchmark results

Written by \`pnpm bench:all\` on ${new Date().toISOString()} (Node ${process.version}, ${
  (await import('node:os')).cpus().length
} cores). Each benchmark measures its baseline in the same run, so compare ratios, not
absolute figures, across machines.

| bench | figure | value | baseline | ratio |
|---|---|---|---|---|
${rows.join('\n')}
`;
writeFileSync(join(root, 'bench', 'RESULTS.md'), md);
console.log(`\n${md}`);
// A full run also refreshes the README's "Reliability and performance" table.
if (!only.length) {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const body = md.slice(md.indexOf('Written by'));
  const spliced = text.replace(
    /<!-- results:start -->[\s\S]*<!-- results:end -->/,
    `<!-- results:start -->\n${body}<!-- results:end -->`,
  );
  if (spliced !== text) writeFileSync(readme, spliced);
}
const failed = results.filter((r) => r.error);
console.log(
  JSON.stringify({
    bench: 'all',
    figures: Object.fromEntries(results.map((r) => [r.name, r.summary?.ratio ?? null])),
    baseline: {},
    ratio: null,
    failed: failed.map((r) => r.name),
  }),
);
process.exit(failed.length ? 1 : 0);
