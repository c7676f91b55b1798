import type { AuditHead, AuditVerifyResult } from '@approval-hub/protocol';
import type pg from 'pg';
import { StoreUnavailableError, type VerifyInput } from '../store.js';
import { connectionFailure } from './connection-failure.js';
import { createPool } from './pool.js';
import { postgresTarget } from './postgres-url.js';
import { schemaVersion } from './schema.js';
import { readAuditHead, verifyPostgres } from './verify-postgres.js';

/**
 * For `approval-hub audit verify|head --database-url`: reads a hub's PostgreSQL database without migrating or
 * writing anything (running hubs may keep writing meanwhile), and refuses a database the hub never set up.
 */
async function withHubDatabase<T>(url: string, read: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = createPool({ url, max: 1 });
  try {
    let version: number;
    try {
      version = await schemaVersion(pool);
    } catch (error) {
      throw connectionFailure(error, url);
    }
    if (version === 0) throw new StoreUnavailableError(`No approval hub data in the PostgreSQL database at ${postgresTarget(url)}: nothing to verify (check --database-url)`);
    return await read(pool);
  } finally {
    await pool.end().catch(() => {});
  }
}

export function verifyPostgresDatabase(url: string, input: VerifyInput): Promise<AuditVerifyResult> {
  return withHubDatabase(url, (pool) => verifyPostgres(pool, input));
}

export function postgresAuditHead(url: string): Promise<AuditHead> {
  return withHubDatabase(url, readAuditHead);
}
