import type { Grant } from '@approval-hub/protocol';
import type { GrantQuery, StorePage } from '../../store.js';
import { grantStatusSql, toGrant, type GrantRow } from '../../stored-grants.js';
import { sql } from '../dialect.js';
import { read, seqPage, Where, type Read } from '../read.js';

const liveGrantRows = sql(
  () => `SELECT * FROM grants WHERE queue = $1 AND revoked_at IS NULL AND expires_at > $2 AND (max_uses IS NULL OR uses < max_uses) ORDER BY seq`,
);

/** The grants of a queue that can still be used at `now`, oldest first (as rows: each store's grant cache keeps them). */
export function liveGrantRowsOf(queue: string, now: number): Read<GrantRow[]> {
  return read(liveGrantRows, [queue, now], (rows: GrantRow[]) => rows);
}

/** Newest first, within the reader's queues. */
export function listGrants(query: GrantQuery, queues: readonly string[] | null): Read<StorePage<Grant>> {
  const where = new Where().oneOf('queue', queues);
  // CAST: PostgreSQL cannot tell a parameter's type from the CASE alone. No statuses: nothing matches (and no time
  // parameter is added that the statement would not use, whose type PostgreSQL could not tell either).
  if (query.status?.length === 0) where.and('FALSE');
  else if (query.status) where.oneOf(grantStatusSql(`CAST(${where.param(query.now)} AS BIGINT)`), query.status);
  where.equals('queue', query.queue).equals('tool_name', query.toolName).equals('granted_by_id', query.grantedBy).equals('from_request_id', query.fromRequestId);
  if (query.after !== undefined) where.and(`seq < ${where.param(query.after)}`);
  const limit = where.param(query.limit + 1);
  return read(
    where.sql((w) => `SELECT * FROM grants ${w} ORDER BY seq DESC LIMIT ${limit}`),
    where.params,
    (rows: GrantRow[]) => seqPage(rows, query.limit, (row) => toGrant(row, query.now)),
  );
}

export function getGrant(grantId: string, queues: readonly string[] | null, now: number): Read<Grant | null> {
  const where = new Where();
  where.and(`grant_id = ${where.param(grantId)}`).oneOf('queue', queues);
  return read(
    where.sql((w) => `SELECT * FROM grants ${w}`),
    where.params,
    (rows: GrantRow[]) => (rows[0] ? toGrant(rows[0], now) : null),
  );
}
