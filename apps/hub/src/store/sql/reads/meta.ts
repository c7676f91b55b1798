import { sql } from '../dialect.js';
import { read, type Read } from '../read.js';

const secretRow = sql(() => `SELECT value FROM meta WHERE key = 'secret'`);

/** The key that lives with the data (cursor encryption); undefined in a database this hub did not make. */
export function secret(): Read<Buffer | undefined> {
  return read(secretRow, [], (rows: { value: Buffer }[]) => rows[0]?.value);
}

const one = sql(() => 'SELECT 1');

/** A read that fails when the database does. */
export function ping(): Read<void> {
  return read(one, [], () => undefined);
}
