import { randomBytes } from 'node:crypto';
import { createDatabase, dropDatabase } from '@approval-hub/test-postgres';
import { inject } from 'vitest';

export interface TestDatabase {
  url: string;
  /** Drops the database (ending connections still open to it). */
  drop(): Promise<void>;
}

/** A fresh, empty database on the run's PostgreSQL server (see postgres-global-setup.ts). */
export async function freshDatabase(): Promise<TestDatabase> {
  const admin = inject('postgresUrl');
  const name = `hub_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = await createDatabase(admin, name);
  return { url, drop: () => dropDatabase(admin, name) };
}
