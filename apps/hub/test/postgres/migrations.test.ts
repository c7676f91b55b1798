import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { freshDatabase, type TestDatabase } from '../support/postgres.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL store: migrations', () => {
  let database: TestDatabase;
  let stores: PostgresStore[] = [];
  beforeEach(async () => {
    database = await freshDatabase();
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
    await database.drop();
  });

  it('three nodes starting at the same moment migrate once, and all of them work', async () => {
    stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url: database.url })));
    const versions = await query<{ version: number }>(database.url, 'SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // One secret, the same for every node (cursors made on one node open on another).
    const secrets = await Promise.all(stores.map((s) => s.secret()));
    expect(secrets[1]).toEqual(secrets[0]);
    expect(secrets[2]).toEqual(secrets[0]);
    expect(await query(database.url, `SELECT key FROM meta WHERE key = 'secret'`)).toHaveLength(1);
    await Promise.all(stores.map((s) => s.ping()));
  });

  it('a reopened database is not migrated again, and a newer schema than the hub knows is refused', async () => {
    stores = [await openPostgresStore({ url: database.url })];
    await stores[0]!.close();
    stores = [await openPostgresStore({ url: database.url })];
    expect(await query(database.url, 'SELECT version FROM schema_migrations')).toHaveLength(9);
    await query(database.url, 'INSERT INTO schema_migrations (version) VALUES (99)');
    await expect(openPostgresStore({ url: database.url })).rejects.toThrow(/schema version 99 is newer than this hub/);
  });
});
