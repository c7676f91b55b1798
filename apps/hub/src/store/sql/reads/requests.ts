import type { ApprovalRecord } from '@approval-hub/protocol';
import type { ListQuery, PendingQuery, ReadScope, StoreCounts, StorePage, StoredRequest } from '../../store.js';
import { budgeted, toRecord, type ApprovalRow } from '../../stored-rows.js';
import { sql } from '../dialect.js';
import { read, seqPage, streamed, Where, type Read } from '../read.js';
import { inScope } from './scope.js';

/*
 * Reads of requests, written once for both stores. Pages are newest first by position (`seq`), or by deadline then
 * position for the pending queue, or by decision time then position: every order ends on the unique position, so a
 * page boundary is the same whichever database keeps the rows.
 */

export const storedRequest = (row: ApprovalRow): StoredRequest => ({ record: toRecord(row), principalId: row.principal_id, requestHash: row.request_hash });

const recordsByIds = sql((d) => `SELECT * FROM approvals WHERE ${d.inArray('request_id', '$1')}`);

/** The records of some requests, by id (those still stored). */
export function recordsOf(requestIds: readonly string[]): Read<Map<string, ApprovalRecord>> {
  return read(recordsByIds, [requestIds], (rows: ApprovalRow[]) => new Map(rows.map((row) => [row.request_id, toRecord(row)])));
}

/** One text per shape of scope (four), so SQLite prepares each once. */
export function getRequest(requestId: string, scope: ReadScope): Read<StoredRequest | null> {
  const where = new Where();
  where.and(`request_id = ${where.param(requestId)}`);
  inScope(where, scope);
  return read(
    where.sql((w) => `SELECT * FROM approvals ${w}`),
    where.params,
    (rows: ApprovalRow[]) => (rows[0] ? storedRequest(rows[0]) : null),
  );
}

/**
 * Free-text search: part of an id (request, run, conversation), the tool name, the agent's label, the summary and
 * the arguments as stored (JSON text). Case-insensitive for ASCII letters on both databases (dialect.ts); `%`, `_`
 * and `\` in the text match themselves. The text is bounded by the protocol (MAX_SEARCH_LENGTH).
 */
function search(where: Where, q: string): void {
  const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
  const pattern = where.param(`%${escapeLike(q)}%`);
  // Arguments are stored as JSON: a quote or backslash in the text appears escaped there.
  const inJson = where.param(`%${escapeLike(JSON.stringify(q).slice(1, -1))}%`);
  where.and((d) => {
    const columns = ['request_id', 'run_id', 'conversation_id', 'tool_name', 'agent_name', d.jsonText('trust', 'summary')];
    return `(${columns.map((c) => d.likeInsensitive(c, pattern)).join(' OR ')} OR ${d.likeInsensitive('args', inJson)})`;
  });
}

export function listRequests(query: ListQuery, scope: ReadScope): Read<StorePage<ApprovalRecord>> {
  const where = inScope(new Where(), scope).oneOf('status', query.status);
  where.equals('queue', query.queue).equals('agent_name', query.agentName).equals('tool_name', query.toolName).equals('conversation_id', query.conversationId);
  if (query.q !== undefined) search(where, query.q);
  const byDecision = query.sort === 'decided';
  if (byDecision) {
    where.and('decided_at IS NOT NULL');
    if (query.after !== undefined) {
      // decided_at is written once, when the request leaves pending, so the last row still places the page.
      const after = where.param(query.after);
      where.and(`(decided_at, seq) < ((SELECT decided_at FROM approvals WHERE seq = ${after}), ${after})`);
    }
  } else if (query.after !== undefined) {
    where.and(`seq < ${where.param(query.after)}`);
  }
  const order = byDecision ? 'decided_at DESC, seq DESC' : 'seq DESC';
  const limit = where.param(query.limit + 1);
  return streamed(
    where.sql((w) => `SELECT * FROM approvals ${w} ORDER BY ${order} LIMIT ${limit}`),
    where.params,
    (rows: Iterable<ApprovalRow>) => {
      const page = budgeted(rows, query.limit, query.maxBytes);
      return { items: page.rows.map(toRecord), next: page.more ? page.rows.at(-1)!.seq : null };
    },
  );
}

export function listPending(queues: readonly string[] | null, query: PendingQuery): Read<StorePage<ApprovalRecord, { expiresAt: number; position: number }>> {
  const where = new Where().and("status = 'pending'").oneOf('queue', queues);
  if (query.after) {
    const at = where.param(query.after.expiresAt);
    where.and(`(expires_at > ${at} OR (expires_at = ${at} AND seq > ${where.param(query.after.position)}))`);
  }
  const limit = where.param(query.limit + 1);
  return streamed(
    where.sql((w) => `SELECT * FROM approvals ${w} ORDER BY expires_at, seq LIMIT ${limit}`),
    where.params,
    (rows: Iterable<ApprovalRow>) => {
      const page = budgeted(rows, query.limit, query.maxBytes);
      const last = page.rows.at(-1);
      return { items: page.rows.map(toRecord), next: page.more && last ? { expiresAt: last.expires_at, position: last.seq } : null };
    },
  );
}

const undeliveredRows = sql(
  () => `SELECT a.* FROM deliveries d JOIN approvals a ON a.request_id = d.request_id
  WHERE d.principal_id = $1 AND a.seq > $2 ORDER BY a.seq LIMIT $3`,
);

const principalsAwaiting = sql((d) => `SELECT DISTINCT principal_id FROM deliveries WHERE ${d.inArray('principal_id', '$1')}`);

/** Which of these principals have decisions waiting for their acknowledgement (`deliveries_principal` index). */
export function awaitingDelivery(principalIds: readonly string[]): Read<string[]> {
  return read(principalsAwaiting, [principalIds], (rows: { principal_id: string }[]) => rows.map((row) => row.principal_id));
}

/** A principal's decisions waiting for its acknowledgement, oldest first. */
export function undelivered(principalId: string, limit: number, afterPosition: number): Read<StorePage<ApprovalRecord>> {
  return read(undeliveredRows, [principalId, afterPosition, limit + 1], (rows: ApprovalRow[]) => seqPage(rows, limit, toRecord));
}

// Counters kept in the writing transaction (pending_counts), and the delivery backlog, one statement.
const countRows = sql(
  () => `SELECT name AS queue, n FROM pending_counts WHERE scope = 'queue' AND n > 0
  UNION ALL SELECT NULL, COUNT(*) FROM deliveries`,
);

export function counts(): Read<StoreCounts> {
  return read(countRows, [], (rows: { queue: string | null; n: number }[]) => {
    const pendingByQueue: Record<string, number> = {};
    let undelivered = 0;
    for (const row of rows) {
      if (row.queue === null) undelivered = row.n;
      else pendingByQueue[row.queue] = row.n;
    }
    return { pendingByQueue, undelivered };
  });
}
