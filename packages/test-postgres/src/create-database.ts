import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database name tests may use: lower-case letters, digits and underscores. */
function safeName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Not a plain database name: "${name}" (use [a-z0-9_], at most 63 characters)`);
  return name;
}

/** The URL of `database` on the same server as `url` (same user, password, host and options). */
export function databaseUrl(url: string, database: string): string {
  const next = new URL(url);
  next.pathname = `/${encodeURIComponent(database)}`;
  return next.toString();
}

/**
 * Makes a fresh, empty database on the server `adminUrl` points at (its user must be allowed to create databases)
 * and returns its URL. Each test file or suite takes its own, so tests never see each other's rows.
 */
export async function createDatabase(adminUrl: string, name = `test_${randomBytes(6).toString('hex')}`): Promise<string> {
  const database = safeName(name);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // template0: copying template1 fails while anyone else is connected to it.
    await client.query(`CREATE DATABASE "${database}" TEMPLATE template0 ENCODING 'UTF8'`);
  } finally {
    await client.end();
  }
  return databaseUrl(adminUrl, database);
}

/** Drops a database made by `createDatabase`, ending any connections still open to it. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${safeName(name)}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
