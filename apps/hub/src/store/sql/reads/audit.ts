import type { AuditEntry, AuditHead } from '@approval-hub/protocol';
import { GENESIS_HASH } from '../../../audit/audit-chain.js';
import type { AuditQuery, StorePage } from '../../store.js';
import { toAuditEntry, type AuditRow } from '../../stored-rows.js';
import { sql } from '../dialect.js';
import { read, seqPage, Where, type Read } from '../read.js';

const timelineRows = sql(() => 'SELECT * FROM audit WHERE request_id = $1 ORDER BY seq');

/** A request's audit rows, in chain order. */
export function timeline(requestId: string): Read<AuditEntry[]> {
  return read(timelineRows, [requestId], (rows: AuditRow[]) => rows.map(toAuditEntry));
}

/** Newest first. Times are ISO text on both databases, so `since`/`until` compare as text. */
export function listAudit(query: AuditQuery, queues: readonly string[] | null): Read<StorePage<AuditEntry>> {
  const where = new Where().oneOf('queue', queues);
  if (queues === null && !query.includeHubRows) where.and('queue IS NOT NULL');
  where.equals('request_id', query.requestId).oneOf('type', query.type).equals('queue', query.queue);
  if (query.since !== undefined) where.and(`at >= ${where.param(new Date(query.since).toISOString())}`);
  if (query.until !== undefined) where.and(`at < ${where.param(new Date(query.until).toISOString())}`);
  if (query.after !== undefined) where.and(`seq < ${where.param(query.after)}`);
  const limit = where.param(query.limit + 1);
  return read(
    where.sql((w) => `SELECT * FROM audit ${w} ORDER BY seq DESC LIMIT ${limit}`),
    where.params,
    (rows: AuditRow[]) => seqPage(rows, query.limit, toAuditEntry),
  );
}

const lastAuditRow = sql(() => 'SELECT seq, hash, at FROM audit ORDER BY seq DESC LIMIT 1');

/** The last audit row's position, hash and time; the genesis head for an empty chain. */
export function auditHead(): Read<AuditHead> {
  return read(lastAuditRow, [], (rows: AuditHead[]) => {
    const last = rows[0];
    return last ? { seq: last.seq, hash: last.hash, at: last.at } : { seq: 0, hash: GENESIS_HASH, at: null };
  });
}
