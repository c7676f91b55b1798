import type { Database as Db, Statement } from 'better-sqlite3';
import { sqliteDialect } from './dialect.js';
import { SKIPPED, type Op, type StepAnswer } from './tx.js';

/**
 * Drives operations (operations/*.ts) on a better-sqlite3 connection, synchronously: each statement is prepared once
 * and cached by its text. Parameters `$1..$n` are bound by name ("1".."n"), so one may appear several times.
 */
export class SqliteSteps {
  readonly #db: Db;
  readonly #statements = new Map<string, Statement>();

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
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    const named: Record<number, unknown> = {};
    for (let i = 0; i < params.length; i++) named[i + 1] = sqliteDialect.bind(params[i]);
    if (statement.reader) {
      const rows = params.length > 0 ? statement.all(named) : statement.all();
      return { rows, count: rows.length };
    }
    return { rows: [], count: (params.length > 0 ? statement.run(named) : statement.run()).changes };
  }
}
