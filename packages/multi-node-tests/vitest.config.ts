import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each file starts a cluster (deploy/start-local-cluster.sh): nginx and three hub processes on a fresh database.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    globalSetup: ['test/support/postgres-global-setup.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    exclude: ['**/node_modules/**', 'test/chaos/**'],
  },
});
