import type pg from 'pg';
import { boundedError, OUTBOX_INSERT_COLUMNS, outboxInsertValues, toOutboxRow, type OutboxDbRow } from '../outbox-rows.js';
import type { OutboxClaim, OutboxEntry, OutboxRow, OutboxSettle } from '../outbox-store.js';

/** Queues notifications inside the caller's transaction (the request's or decision's own), in one statement. */
export async function queueOutbox(client: pg.PoolClient, entries: readonly OutboxEntry[] | undefined): Promise<void> {
  if (!entries?.length) return;
  const values = entries.flatMap(outboxInsertValues);
  const width = values.length / entries.length;
  const rows = entries.map((_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`);
  await client.query(`INSERT INTO outbox (${OUTBOX_INSERT_COLUMNS}) VALUES ${rows.join(', ')}`, values);
}

/**
 * Claims due rows for this node. FOR UPDATE SKIP LOCKED: a row another node is claiming right now is passed over,
 * not waited for; the lease written with the claim keeps it off every other node's claims after this commits.
 */
export async function claimOutbox(pool: pg.Pool, input: OutboxClaim): Promise<OutboxRow[]> {
  const { rows } = await pool.query<OutboxDbRow>(
    `UPDATE outbox o SET locked_until = $2, attempts = o.attempts + 1, last_attempt_at = $1
     FROM (SELECT seq FROM outbox WHERE status = 'pending' AND due_at <= $1 AND locked_until <= $1
           ORDER BY due_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED) due
     WHERE o.seq = due.seq
     RETURNING o.*`,
    [input.now, input.now + input.leaseMs, input.limit],
  );
  return rows.map(toOutboxRow).sort((a, b) => a.dueAt - b.dueAt || a.position - b.position);
}

export async function settleOutbox(pool: pg.Pool, input: OutboxSettle): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE outbox SET status = $3, due_at = COALESCE($4, due_at), locked_until = 0, last_error = COALESCE($5, last_error),
       delivered_at = COALESCE($6, delivered_at), response = COALESCE($7, response)
     WHERE id = $1 AND status = 'pending' AND attempts = $2`,
    [
      input.id,
      input.attempt,
      input.outcome === 'retry' ? 'pending' : input.outcome,
      input.nextAttemptAt ?? null,
      boundedError(input.error),
      input.outcome === 'delivered' ? input.at : null,
      input.response ?? null,
    ],
  );
  return (rowCount ?? 0) > 0;
}

export async function redeliverOutbox(pool: pg.Pool, id: string, now: number): Promise<OutboxRow | null> {
  const { rows } = await pool.query<OutboxDbRow>(
    `UPDATE outbox SET status = 'pending', attempts = 0, due_at = $2, window_start = $2, locked_until = 0, last_error = NULL WHERE id = $1 RETURNING *`,
    [id, now],
  );
  return rows[0] ? toOutboxRow(rows[0]) : null;
}
