import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each file starts real hub processes (`@approval-hub/test-hub-process`).
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
