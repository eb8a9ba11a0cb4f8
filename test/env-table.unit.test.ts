import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, renderReadme } from '../scripts/env-table.ts';

describe('README configuration table', () => {
  it('lists every variable of every app schema (run `pnpm env:table` when this fails)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(renderReadme(readme)).toBe(readme);
  });
});
