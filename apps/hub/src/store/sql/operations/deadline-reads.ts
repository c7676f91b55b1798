import { toRecord, type ApprovalRow } from '../../stored-rows.js';
import type { StoredRequest } from '../../store.js';
import { sql } from '../dialect.js';
import { all, one, type Op } from '../tx.js';

/*
 * The reads the engine's timers and decision links make, written once for both stores like the writes (reads run
 * outside a write transaction: on SQLite's read connection, on PostgreSQL's pool). Ties are broken by position on
 * both, so a batch of due requests comes out in one order whichever database keeps them.
 */

const stored = (row: ApprovalRow): StoredRequest => ({ record: toRecord(row), principalId: row.principal_id, requestHash: row.request_hash });

const dueRequests = sql(() => `SELECT * FROM approvals WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at, seq LIMIT $2`);
const earliestDeadline = sql(() => `SELECT MIN(expires_at) AS at FROM approvals WHERE status = 'pending'`);
const dueEscalationRows = sql(() => `SELECT * FROM approvals WHERE status = 'pending' AND escalate_at IS NOT NULL AND escalate_at <= $1 ORDER BY escalate_at, seq LIMIT $2`);
const earliestEscalation = sql(() => `SELECT MIN(escalate_at) AS at FROM approvals WHERE status = 'pending' AND escalate_at IS NOT NULL`);
const linkUse = sql(() => 'SELECT 1 FROM decision_link_uses WHERE link_id = $1');

/** Pending requests past their deadline, earliest first. */
export function* due(now: number, limit: number): Op<StoredRequest[]> {
  return (yield* all<ApprovalRow>(dueRequests, [now, limit])).map(stored);
}

export function* nextDeadline(): Op<number | null> {
  return (yield* one<{ at: number | null }>(earliestDeadline, []))?.at ?? null;
}

/** Pending requests whose escalation is due, earliest first. */
export function* dueEscalations(now: number, limit: number): Op<StoredRequest[]> {
  return (yield* all<ApprovalRow>(dueEscalationRows, [now, limit])).map(stored);
}

export function* nextEscalation(): Op<number | null> {
  return (yield* one<{ at: number | null }>(earliestEscalation, []))?.at ?? null;
}

export function* decisionLinkUsed(linkId: string): Op<boolean> {
  return (yield* one(linkUse, [linkId])) !== undefined;
}
