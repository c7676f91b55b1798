import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: { testTimeout: 20_000, hookTimeout: 20_000, pool: 'forks', reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]] },
});
