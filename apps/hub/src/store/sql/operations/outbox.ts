import { OUTBOX_INSERT_COLUMNS, outboxInsertValues } from '../../outbox-rows.js';
import type { OutboxEntry } from '../../outbox-store.js';
import { sql, type Sql } from '../dialect.js';
import { run, type Op } from '../tx.js';

const WIDTH = OUTBOX_INSERT_COLUMNS.split(',').length;
const inserts = new Map<number, Sql>();

/** The insert of `count` outbox rows in one statement, rendered once per count. */
function insertRows(count: number): Sql {
  let statement = inserts.get(count);
  if (!statement) {
    const rows = Array.from({ length: count }, (_, r) => `(${Array.from({ length: WIDTH }, (_, c) => `$${r * WIDTH + c + 1}`).join(', ')})`);
    statement = sql(() => `INSERT INTO outbox (${OUTBOX_INSERT_COLUMNS}) VALUES ${rows.join(', ')}`);
    inserts.set(count, statement);
  }
  return statement;
}

/** Queues notifications inside the caller's transaction (the request's or decision's own), in one statement. */
export function* queueOutbox(entries: readonly OutboxEntry[] | undefined): Op<void> {
  if (!entries?.length) return;
  yield* run(insertRows(entries.length), entries.flatMap(outboxInsertValues));
}
