import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // A clean install and build of the hub and the console: a few minutes on a busy machine, not seconds.
    testTimeout: 300_000,
    hookTimeout: 600_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
