import { randomBytes } from 'node:crypto';
import { createDatabase, databaseUrl, dropDatabase } from '@approval-hub/test-postgres';
import pg from 'pg';
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

/**
 * A fresh database with a UTF-8 locale (`C.UTF-8`), as deployed servers usually have: the run's cluster has none, and
 * under none PostgreSQL folds only ASCII case, which would hide a store relying on its locale's case folding.
 */
export async function utf8LocaleDatabase(): Promise<TestDatabase> {
  const admin = inject('postgresUrl');
  const name = `hub_${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'`);
  } finally {
    await client.end();
  }
  return { url: databaseUrl(admin, name), drop: () => dropDatabase(admin, name) };
}
