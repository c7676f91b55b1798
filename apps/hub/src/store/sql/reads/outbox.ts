import type { StorePage } from '../../store.js';
import { OUTBOX_STATUSES, type OutboxQuery, type OutboxRow, type OutboxStatus } from '../../outbox-store.js';
import { toOutboxRow, type OutboxDbRow } from '../../outbox-rows.js';
import { sql } from '../dialect.js';
import { read, seqPage, Where, type Read } from '../read.js';

/** The delivery log, newest first. */
export function listOutbox(query: OutboxQuery): Read<StorePage<OutboxRow>> {
  const where = new Where().equals('status', query.status).equals('channel', query.channel).equals('request_id', query.requestId);
  if (query.before !== undefined) where.and(`seq < ${where.param(query.before)}`);
  const limit = where.param(query.limit + 1);
  return read(
    where.sql((w) => `SELECT * FROM outbox ${w} ORDER BY seq DESC LIMIT ${limit}`),
    where.params,
    (rows: OutboxDbRow[]) => seqPage(rows, query.limit, toOutboxRow),
  );
}

const outboxOfRows = sql(() => 'SELECT * FROM outbox WHERE request_id = $1 AND channel = $2 ORDER BY seq');

/** A request's rows for one channel, oldest first. */
export function outboxOf(requestId: string, channel: string): Read<OutboxRow[]> {
  return read(outboxOfRows, [requestId, channel], (rows: OutboxDbRow[]) => rows.map(toOutboxRow));
}

const countsByStatus = sql(() => 'SELECT status, COUNT(*) AS n FROM outbox GROUP BY status');

/** Rows per status, every status present (0 when none). */
export function outboxCounts(): Read<Record<OutboxStatus, number>> {
  return read(countsByStatus, [], (rows: { status: OutboxStatus; n: number }[]) => {
    const counts = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number>;
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  });
}
