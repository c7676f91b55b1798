import pg from 'pg';

/** BIGINT (int8) columns: positions, counts and millisecond times, all well inside a double's exact range. */
const INT8_OID = 20;

function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`A BIGINT out of JavaScript's exact range: ${text}`);
  return value;
}

/** Numbers come back as numbers: every connection of the store uses these (the pool's and the listener's). */
export const storeTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export interface PoolOptions {
  url: string;
  /** Connections this store (this node) may hold. */
  max?: number;
  /** How long to wait for a connection (new or from the pool) before failing. */
  connectionTimeoutMillis?: number;
}

/**
 * The store's connection pool. Numbers come back as numbers (pg returns BIGINT as text by default), set per pool
 * so nothing else in the process is affected. An idle connection that breaks (server restart, failover) emits
 * `error` on the pool, which would crash the process unhandled: the pool drops it, and the next query or `ping()`
 * reports the database as it is.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'approval-hub',
    types: storeTypes,
  });
  pool.on('error', () => {});
  return pool;
}
