import type { ChainedAuditRow, StoredState } from '../../../audit/audit-chain.js';
import { stateValues, toChainedRow, type ApprovalRow, type AuditRow } from '../../stored-rows.js';
import { sql } from '../dialect.js';
import { read, type Read } from '../read.js';

/*
 * What an audit verification reads, in chunks by position (keyset, so each chunk costs the same however far in):
 * the chain in order, then every stored request with whether a decision is still queued for it. Each executor reads
 * every chunk inside one snapshot (SQLite: one read transaction; PostgreSQL: REPEATABLE READ).
 */

/** Rows read per chunk. */
const VERIFY_CHUNK = 5000;

/** A chunk of rows, and the position to continue after (null: this was the last chunk). */
export interface Chunk<T> {
  items: T[];
  next: number | null;
}

const chainChunk = sql(() => 'SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2');

export function chainRows(after: number): Read<Chunk<ChainedAuditRow>> {
  return read(chainChunk, [after, VERIFY_CHUNK], (rows: AuditRow[]) => ({
    items: rows.map(toChainedRow),
    next: rows.length < VERIFY_CHUNK ? null : rows.at(-1)!.seq,
  }));
}

const statesChunk = sql(
  () => `SELECT a.*, (d.request_id IS NOT NULL) AS undelivered FROM approvals a LEFT JOIN deliveries d ON d.request_id = a.request_id
  WHERE a.seq > $1 ORDER BY a.seq LIMIT $2`,
);

export function storedStates(after: number): Read<Chunk<StoredState>> {
  // `undelivered` is a boolean on PostgreSQL, 0 or 1 on SQLite.
  return read(statesChunk, [after, VERIFY_CHUNK], (rows: (ApprovalRow & { undelivered: boolean | number })[]) => ({
    items: rows.map((row) => ({ requestId: row.request_id, values: stateValues(row), undelivered: Boolean(row.undelivered) })),
    next: rows.length < VERIFY_CHUNK ? null : rows.at(-1)!.seq,
  }));
}
