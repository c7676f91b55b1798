import type { Database as Db, Statement } from 'better-sqlite3';
import { sqliteDialect } from './dialect.js';
import type { Read } from './read.js';
import { SKIPPED, type Op, type StepAnswer } from './tx.js';

/** A statement prepared for SQLite: `$1..$n` rendered as positional `?`, with the parameter each one takes. */
interface Prepared {
  statement: Statement;
  order: number[];
}

/** Statements kept prepared at most: reads built from filters have one text per combination of filters given. */
const MAX_PREPARED = 500;

/**
 * Drives operations (operations/*.ts) and runs reads (reads/*.ts) on a better-sqlite3 connection, synchronously: each
 * statement is prepared once and cached by its text. Its `$n` placeholders become positional `?` (better-sqlite3
 * binds an array fastest), in the order they appear, so one parameter may appear several times.
 */
export class SqliteSteps {
  readonly #db: Db;
  readonly #statements = new Map<string, Prepared>();

  constructor(db: Db) {
    this.#db = db;
  }

  drive<T>(op: Op<T>): T {
    let next = op.next(SKIPPED);
    while (!next.done) {
      const { sql, params } = next.value;
      next = op.next(sql.sqlite === null ? SKIPPED : this.#run(sql.sqlite, params));
    }
    return next.value;
  }

  /** A read: its rows all at once, or one at a time for a page that may stop at its byte budget. */
  read<T>(r: Read<T>): T {
    const { statement, values } = this.#bound(r.sql.sqlite!, r.params);
    return r.answer(r.rows === 'stream' ? statement.iterate(values) : statement.all(values));
  }

  #run(text: string, params: readonly unknown[]): StepAnswer {
    const { statement, values } = this.#bound(text, params);
    if (statement.reader) {
      const rows = statement.all(values);
      return { rows, count: rows.length };
    }
    return { rows: [], count: statement.run(values).changes };
  }

  #bound(text: string, params: readonly unknown[]): { statement: Statement; values: unknown[] } {
    let prepared = this.#statements.get(text);
    if (!prepared) {
      if (this.#statements.size >= MAX_PREPARED) this.#statements.clear();
      const order: number[] = [];
      const positional = text.replace(/\$(\d+)/g, (_, n: string) => {
        order.push(Number(n) - 1);
        return '?';
      });
      prepared = { statement: this.#db.prepare(positional), order };
      this.#statements.set(text, prepared);
    }
    const { statement, order } = prepared;
    const values = new Array<unknown>(order.length);
    for (let k = 0; k < order.length; k++) values[k] = sqliteDialect.bind(params[order[k]!]);
    return { statement, values };
  }
}
