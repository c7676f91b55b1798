import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each file starts a real hub process; a reviewer decides over REST.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
