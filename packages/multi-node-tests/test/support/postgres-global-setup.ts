import { startPostgres } from '@approval-hub/test-postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the test PostgreSQL server; each cluster takes a fresh database on it. */
    postgresUrl: string;
  }
}

/** One real PostgreSQL server for the run (or PG_TEST_URL's); without PostgreSQL installed the run fails, saying how to install it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
