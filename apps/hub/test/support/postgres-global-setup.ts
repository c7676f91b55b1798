import { startPostgres } from '@approval-hub/test-postgres';
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
  const server = await startPostgres();
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
