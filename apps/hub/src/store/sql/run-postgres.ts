import type pg from 'pg';
import type { Read } from './read.js';
import { SKIPPED, type Op } from './tx.js';

/** Statement texts given a name (so prepared once per connection) at most; reads built from filters vary. */
const MAX_NAMED = 300;
const names = new Map<string, string>();

/**
 * A statement as pg sends it: named, so each pooled connection parses and plans its text once and then only binds
 * it (PostgreSQL's parse and plan were a large share of its CPU per statement). Texts past MAX_NAMED go unnamed.
 */
function statement(text: string, values: readonly unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `ah${names.size}`;
    names.set(text, name);
  }
  return name === undefined ? { text, values: values as unknown[] } : { name, text, values: values as unknown[] };
}

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
    const result = await client.query(statement(sql.postgres, params));
    next = op.next({ rows: result.rows, count: result.rowCount ?? 0 });
  }
  return next.value;
}

/** Runs a read (reads/*.ts): one statement, one round trip. */
export async function read<T>(client: pg.ClientBase | pg.Pool, r: Read<T>): Promise<T> {
  return r.answer((await client.query(statement(r.sql.postgres!, r.params))).rows);
}
