import { boundedError, OUTBOX_INSERT_COLUMNS, outboxInsertValues, toOutboxRow, type OutboxDbRow } from '../../outbox-rows.js';
import type { OutboxClaim, OutboxEntry, OutboxRow, OutboxSettle } from '../../outbox-store.js';
import { sql, type Sql } from '../dialect.js';
import { all, one, run, type Op } from '../tx.js';

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

/**
 * Claims due rows for this node, leasing them in the same statement. PostgreSQL: FOR UPDATE SKIP LOCKED, so a row
 * another node is claiming right now is passed over, not waited for; the lease keeps it off every other node's claims
 * after this commits. SQLite: one writer per file, so no other claimer can take the same row meanwhile.
 */
const claimDue = sql(
  (d) => `UPDATE outbox AS o SET locked_until = $2, attempts = o.attempts + 1, last_attempt_at = $1
  FROM (SELECT seq FROM outbox WHERE status = 'pending' AND due_at <= $1 AND locked_until <= $1
        ORDER BY due_at, seq LIMIT $3 ${d.skipLocked}) due
  WHERE o.seq = due.seq
  RETURNING ${d.returningAll('o')}`,
);

export function* claimOutbox(input: OutboxClaim): Op<OutboxRow[]> {
  const rows = yield* all<OutboxDbRow>(claimDue, [input.now, input.now + input.leaseMs, input.limit]);
  return rows.map(toOutboxRow).sort((a, b) => a.dueAt - b.dueAt || a.position - b.position);
}

const settle = sql(
  () => `UPDATE outbox SET status = $3, due_at = COALESCE($4, due_at), locked_until = 0, last_error = COALESCE($5, last_error),
    delivered_at = COALESCE($6, delivered_at), response = COALESCE($7, response)
  WHERE id = $1 AND status = 'pending' AND attempts = $2`,
);

export function* settleOutbox(input: OutboxSettle): Op<boolean> {
  const changed = yield* run(settle, [
    input.id,
    input.attempt,
    input.outcome === 'retry' ? 'pending' : input.outcome,
    input.nextAttemptAt ?? null,
    boundedError(input.error),
    input.outcome === 'delivered' ? input.at : null,
    input.response ?? null,
  ]);
  return changed > 0;
}

const redeliver = sql(() => `UPDATE outbox SET status = 'pending', attempts = 0, due_at = $2, window_start = $2, locked_until = 0, last_error = NULL WHERE id = $1 RETURNING *`);

export function* redeliverOutbox(id: string, now: number): Op<OutboxRow | null> {
  const row = yield* one<OutboxDbRow>(redeliver, [id, now]);
  return row ? toOutboxRow(row) : null;
}
