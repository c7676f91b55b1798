import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // One real PostgreSQL server for the run; the PostgreSQL store's tests make a database each on it.
    globalSetup: ['test/support/postgres-global-setup.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    // The long fault profile runs with `pnpm test:chaos` (vitest.chaos.config.ts).
    exclude: ['**/node_modules/**', '**/dist/**', 'test/chaos/**'],
  },
});
