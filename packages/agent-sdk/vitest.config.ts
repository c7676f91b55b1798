import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    typecheck: { enabled: true },
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
