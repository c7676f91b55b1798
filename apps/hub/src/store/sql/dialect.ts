/**
 * Where the two SQL stores differ, and nothing else. Every statement in `operations/` is written once, with `$1..$n`
 * placeholders (rendered as positional `?` for SQLite by its executor, run-sqlite.ts), and asks its dialect
 * only for what truly differs. The model is pg-boss's `src/dialect.ts`, which runs one set of plans on both.
 */
export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Row locks taken by a claim or a purge. PostgreSQL: rows another node holds are passed over, not waited for.
   * SQLite: nothing; its one writer holds the whole file for the transaction.
   */
  readonly skipLocked: string;
  /** A row lock held until COMMIT (PostgreSQL); SQLite's single writer needs none. */
  readonly forUpdate: string;
  /** A text field of a JSON text column. */
  jsonText(column: string, field: string): string;
  /** `column` is one of the values in the array parameter `param` (bound as an array on PostgreSQL, as JSON on SQLite). */
  inArray(column: string, param: string): string;
  /** Every column of the updated table `alias` in an `UPDATE … FROM … RETURNING` (SQLite allows no `alias.*` there). */
  returningAll(alias: string): string;
  /** A parameter's value as its driver binds it. */
  bind(value: unknown): unknown;
  /**
   * The operator of a case-insensitive `LIKE`, used with `ESCAPE '\\'`. Both fold ASCII letters only: SQLite's LIKE
   * knows no other case, so PostgreSQL's ILIKE runs under the C collation (which folds only ASCII too) to agree.
   */
  likeInsensitive(text: string, pattern: string): string;
}

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  skipLocked: '',
  forUpdate: '',
  jsonText: (column, field) => `json_extract(${column}, '$.${field}')`,
  inArray: (column, param) => `${column} IN (SELECT value FROM json_each(${param}))`,
  returningAll: () => '*',
  // No booleans (stored as 0/1) and no arrays (read back with json_each) in SQLite.
  bind: (value) => (typeof value === 'boolean' ? Number(value) : Array.isArray(value) ? JSON.stringify(value) : value),
  likeInsensitive: (text, pattern) => `${text} LIKE ${pattern} ESCAPE '\\'`,
};

export const postgresDialect: Dialect = {
  name: 'postgres',
  skipLocked: 'FOR UPDATE SKIP LOCKED',
  forUpdate: 'FOR UPDATE',
  jsonText: (column, field) => `(${column}::json ->> '${field}')`,
  inArray: (column, param) => `${column} = ANY(${param}::text[])`,
  returningAll: (alias) => `${alias}.*`,
  bind: (value) => value,
  likeInsensitive: (text, pattern) => `${text} COLLATE "C" ILIKE ${pattern} ESCAPE '\\'`,
};

/**
 * One statement's text on each database. `null` on one of them: a statement that database does not need, because an
 * earlier statement already did its work there (a data-modifying CTE on PostgreSQL), or because its check is made
 * elsewhere there (PostgreSQL checks quotas at COMMIT, for the whole batch). A null statement costs no round trip.
 */
export interface Sql {
  readonly sqlite: string | null;
  readonly postgres: string | null;
}

/** Renders a statement for both databases once, when its module loads. */
export function sql(build: (d: Dialect) => string | null): Sql {
  return { sqlite: build(sqliteDialect), postgres: build(postgresDialect) };
}

/**
 * A statement built at run time (a read whose filters depend on the query): rendered for a database only when that
 * database's executor asks for it, so each call renders the one text it runs.
 */
export function sqlOnUse(build: (d: Dialect) => string): Sql {
  let sqlite: string | undefined;
  let postgres: string | undefined;
  return {
    get sqlite() {
      if (sqlite === undefined) sqlite = build(sqliteDialect);
      return sqlite;
    },
    get postgres() {
      if (postgres === undefined) postgres = build(postgresDialect);
      return postgres;
    },
  };
}
