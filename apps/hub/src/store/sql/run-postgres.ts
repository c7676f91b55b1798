import type pg from 'pg';
import type { Read } from './read.js';
import { SKIPPED, type Op } from './tx.js';

/**
 * Drives an operation (operations/*.ts) on a PostgreSQL connection, one awaited statement at a time. On a pool (no
 * transaction), only for operations of one statement.
 */
export async function drive<T>(client: pg.ClientBase | pg.Pool, op: Op<T>): Promise<T> {
  let next = op.next(SKIPPED);
  while (!next.done) {
    const { sql, params } = next.value;
    if (sql.postgres === null) {
      next = op.next(SKIPPED);
      continue;
    }
    const result = await client.query(sql.postgres, params as unknown[]);
    next = op.next({ rows: result.rows, count: result.rowCount ?? 0 });
  }
  return next.value;
}

/** Runs a read (reads/*.ts): one statement, one round trip. */
export async function read<T>(client: pg.ClientBase | pg.Pool, r: Read<T>): Promise<T> {
  return r.answer((await client.query(r.sql.postgres!, r.params as unknown[])).rows);
}
