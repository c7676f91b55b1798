import type { Database as Db, Statement } from 'better-sqlite3';
import { sqliteDialect } from './dialect.js';
import { SKIPPED, type Op, type StepAnswer } from './tx.js';

/** A statement prepared for SQLite: `$1..$n` rendered as positional `?`, with the parameter each one takes. */
interface Prepared {
  statement: Statement;
  order: number[];
}

/**
 * Drives operations (operations/*.ts) on a better-sqlite3 connection, synchronously: each statement is prepared once
 * and cached by its text. Its `$n` placeholders become positional `?` (better-sqlite3 binds an array fastest), in
 * the order they appear, so one parameter may appear several times.
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

  #run(text: string, params: readonly unknown[]): StepAnswer {
    let prepared = this.#statements.get(text);
    if (!prepared) {
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
    if (statement.reader) {
      const rows = statement.all(values);
      return { rows, count: rows.length };
    }
    return { rows: [], count: statement.run(values).changes };
  }
}
