import type { AuditEvent } from '../../../audit/audit-events.js';
import type { ApprovalRow } from '../../stored-rows.js';
import type { LinkUse } from '../../store.js';
import { sql } from '../dialect.js';
import { run, type CounterKey, type Op, type PendingAudit } from '../tx.js';

export function pendingAudit(events: readonly AuditEvent[], at: string, requestId: string, state: string | null): PendingAudit[] {
  return events.map((event) => ({ event, at, state: event.requestId === requestId ? state : null }));
}

/** The counter rows a pending request counts in. */
export const countersOf = (row: ApprovalRow): CounterKey[] => [
  ['agent', row.principal_id],
  ['queue', row.queue],
];

/**
 * A write that must write before it knows it will succeed (a grant use, a decision link) marks where to undo to. Never
 * released: COMMIT releases it; the executor's own savepoint (SQLite) has another name.
 */
export const SAVEPOINT = sql(() => 'SAVEPOINT undo');
export const UNDO = sql(() => 'ROLLBACK TO SAVEPOINT undo');

/** An approvals row after a write, with whether a decision is still queued for delivery (part of its state hash). */
export type RowAndQueue = ApprovalRow & { queued?: boolean | number };

const spendLinkWhilePending = sql(
  () => `INSERT INTO decision_link_uses (link_id, request_id, principal_id, used_at)
  SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM approvals WHERE request_id = $2 AND status = 'pending')
  ON CONFLICT (link_id) DO NOTHING`,
);

/**
 * Spends a decision link, first and only while the request is still pending: a link decides once, and an already spent
 * link (its key taken, or on PostgreSQL being taken by a transaction this one then waits for) or a decided request
 * writes nothing. Takes the write's savepoint first: a write that then loses its conditional update undoes the spend.
 */
export function* spendLink(requestId: string, use: LinkUse): Op<boolean> {
  yield* run(SAVEPOINT, []);
  return (yield* run(spendLinkWhilePending, [use.linkId, requestId, use.principalId, Date.parse(use.usedAt)])) > 0;
}

const hasDelivery = sql(() => 'SELECT 1 FROM deliveries WHERE request_id = $1');

/**
 * Whether a decision is queued for the request after a write. PostgreSQL answered it in the update's own statement
 * (a data-modifying CTE: `row.queued`); SQLite, which has none, asks here.
 */
export function* queuedAfter(row: RowAndQueue, justQueued = false): Op<boolean> {
  if (row.queued !== undefined) return Boolean(row.queued);
  if (justQueued) return true;
  return (yield* run(hasDelivery, [row.request_id])) > 0;
}
