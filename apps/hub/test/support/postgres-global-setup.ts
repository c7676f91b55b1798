import { startPostgres, type PostgresServer } from '@approval-hub/test-postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the test PostgreSQL server: tests make their own databases on it (support/postgres.ts). */
    postgresUrl: string;
  }
}

/**
 * One PostgreSQL server for the whole hub test run (started here, or PG_TEST_URL's); each test file or hub takes
 * a fresh database on it. Without PostgreSQL installed this fails the run, saying how to install it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Each vitest project runs its global setup: the first starts the server, the last one out stops it.
  const shared = globalThis as { approvalHubPostgres?: { server: Promise<PostgresServer>; users: number } };
  shared.approvalHubPostgres ??= { server: startPostgres(), users: 0 };
  const holder = shared.approvalHubPostgres;
  holder.users++;
  const server = await holder.server;
  project.provide('postgresUrl', server.url);
  return async () => {
    if (--holder.users > 0) return;
    delete shared.approvalHubPostgres;
    await server.stop();
  };
}
