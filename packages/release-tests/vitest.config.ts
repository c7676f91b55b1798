import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Packs, installs from the npm registry and runs examples: minutes, not seconds.
    testTimeout: 300_000,
    hookTimeout: 360_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
