import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** `pnpm test:chaos`: the long, randomised fault profile (crashes, races, fuzzing); set CHAOS_SEED to replay a run. */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // Replaces (not merges with) the default profile's lists, which exclude this folder.
    include: ['test/chaos/**/*.test.ts'],
    // One run, on SQLite (the default profile's second project runs on PostgreSQL).
    projects: undefined,
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 900_000,
    hookTimeout: 60_000,
    // One file at a time: the crash runs start and kill real hub processes and measure latency.
    fileParallelism: false,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest-chaos.json' }]],
  },
});
