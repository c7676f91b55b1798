import type { StorePage } from '../store.js';
import type { Dialect, Sql } from './dialect.js';
import { sqlOnUse } from './dialect.js';

/*
 * The read interface every read in reads/ is written against, as tx.ts is for writes. A read is one statement (so on
 * PostgreSQL one round trip on the pool, and it sees every write whose promise has resolved, on any node) and what its
 * rows mean. Each store's executor runs it: SQLite on its read connection with the statement prepared once and cached
 * (run-sqlite.ts), PostgreSQL on its pool (run-postgres.ts).
 */

/**
 * How the rows are read. `all`: every row at once (SQLite's fastest for a few rows). `stream`: one at a time, so a
 * page that stops at its byte budget reads no further on SQLite (PostgreSQL has them all already, `LIMIT` bounds them).
 */
type ReadRows = 'all' | 'stream';

/** One read: its statement, its parameters in `$1..$n` order, and what its rows mean. */
export interface Read<T> {
  readonly sql: Sql;
  readonly params: readonly unknown[];
  readonly rows: ReadRows;
  readonly answer: (rows: Iterable<unknown>) => T;
}

export function read<R, T>(sql: Sql, params: readonly unknown[], answer: (rows: R[]) => T): Read<T> {
  return { sql, params, rows: 'all', answer: answer as (rows: Iterable<unknown>) => T };
}

/** A read whose rows are taken one at a time (a page under a byte budget). */
export function streamed<R, T>(sql: Sql, params: readonly unknown[], answer: (rows: Iterable<R>) => T): Read<T> {
  return { sql, params, rows: 'stream', answer: answer as (rows: Iterable<unknown>) => T };
}

/**
 * A keyset page from rows read with `LIMIT limit + 1`: the extra row is not shown, it only says a next page exists,
 * which starts after the last row shown (its `seq`).
 */
export function seqPage<R extends { seq: number }, T>(rows: R[], limit: number, toItem: (row: R) => T): StorePage<T> {
  const shown = rows.slice(0, limit);
  return { items: shown.map((row) => toItem(row)), next: rows.length > limit ? shown.at(-1)!.seq : null };
}

/** Part of a WHERE clause: text, or text that depends on the database. */
type Condition = string | ((d: Dialect) => string);

/**
 * A WHERE clause built from the filters a query gives, once for both databases: each condition is added with its
 * values, whose `$n` placeholders are numbered in the order they are added (`where.param(value)`).
 */
export class Where {
  readonly params: unknown[] = [];
  readonly #conditions: Condition[] = [];

  /** A value's placeholder. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  and(condition: Condition): this {
    this.#conditions.push(condition);
    return this;
  }

  /** `column = value`, when a value is given (`undefined` or `null`: no filter). */
  equals(column: string, value: unknown): this {
    return value === undefined || value === null ? this : this.and(`${column} = ${this.param(value)}`);
  }

  /** `column` is one of `values`, when they are given (none: nothing matches). */
  oneOf(column: string, values: readonly unknown[] | null | undefined): this {
    if (values === null || values === undefined) return this;
    if (values.length === 0) return this.and('FALSE');
    const param = this.param(values);
    return this.and((d) => d.inArray(column, param));
  }

  render(d: Dialect): string {
    if (this.#conditions.length === 0) return '';
    return `WHERE ${this.#conditions.map((c) => (typeof c === 'string' ? c : c(d))).join(' AND ')}`;
  }

  /** The statement: `build` gets this clause rendered for the database that runs it. */
  sql(build: (where: string, d: Dialect) => string): Sql {
    return sqlOnUse((d) => build(this.render(d), d));
  }
}
