import { defineConfig } from 'vitest/config';

// Three projects: `unit` (pure logic, no services), `integration` (real PostgreSQL and Redis;
// each file gets its own database from a migrated template and its own BullMQ prefix) and
// `browser` (Chromium). Each takes its files from every workspace: apps/*, packages/* and the
// cross-app tests in test/e2e.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{apps,packages}/*/test/**/*.unit.test.ts', 'test/**/*.unit.test.ts'],
          pool: 'threads',
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{apps,packages}/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.unit.test.ts', '**/*.browser.test.ts', '**/node_modules/**'],
          globalSetup: ['packages/testkit/src/global-setup.ts'],
          pool: 'forks',
          maxWorkers: 3,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['{apps,packages}/*/test/**/*.browser.test.ts', 'test/**/*.browser.test.ts'],
          globalSetup: ['packages/testkit/src/global-setup.ts'],
          pool: 'forks',
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // A page refreshes on its own polling interval: waiting for what it shows takes seconds
          // on a loaded machine, not vitest's default 1 s.
          expect: { poll: { timeout: 30_000, interval: 100 } },
        },
      },
    ],
  },
});
