import { defineConfig } from 'vitest/config';

/**
 * Suites whose guarantees must hold on every store: they run a second time with their test hubs on PostgreSQL
 * (HUB_TEST_DATABASE, read by test/support/test-hub.ts). Tests about SQLite itself (WAL, file locks, tampering with
 * the file, crash points inside its transactions) stay in the SQLite run only.
 */
const onEveryStore = [
  'test/guarantees/authorization.test.ts',
  'test/guarantees/hostile-input.test.ts',
  'test/guarantees/limits-and-flooding.test.ts',
  'test/guarantees/races-and-time.test.ts',
  'test/agent-cannot-approve-itself.test.ts',
  'test/agent-requests.test.ts',
  'test/auth.test.ts',
  'test/decision-links.test.ts',
  'test/delivery-and-restart.test.ts',
  'test/grants.test.ts',
  'test/quorum.test.ts',
  'test/retention.test.ts',
  'test/escalation.test.ts',
  'test/rest-api.test.ts',
  'test/reviewer-confinement-and-bounds.test.ts',
  'test/reviewer-decisions.test.ts',
  'test/sdk-integration.test.ts',
  'test/notifications/webhooks.test.ts',
  'test/notifications/outbox-claims.test.ts',
  'test/notifications/slack.test.ts',
  'test/channel-contract/channel-contract.test.ts',
  'test/limits/bounded-answers.test.ts',
  'test/limits/principal-budgets.test.ts',
  'test/limits/long-poll-visibility.test.ts',
];

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // One real PostgreSQL server for the run (shared by both projects); PostgreSQL tests make a database each on it.
    globalSetup: ['test/support/postgres-global-setup.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    // The long fault profile runs with `pnpm test:chaos` (vitest.chaos.config.ts).
    exclude: ['**/node_modules/**', '**/dist/**', 'test/chaos/**'],
    projects: [
      { extends: true, test: { name: 'sqlite' } },
      { extends: true, test: { name: 'postgres', include: onEveryStore, env: { HUB_TEST_DATABASE: 'postgres' } } },
    ],
  },
});
