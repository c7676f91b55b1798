import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 900_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    globalSetup: ['test/support/postgres-global-setup.ts'],
    include: ['test/chaos/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest-chaos.json' }]],
  },
});
