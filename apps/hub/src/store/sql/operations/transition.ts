import type { ApprovalRecord } from '@approval-hub/protocol';
import { stateHash } from '../../../audit/audit-chain.js';
import { grantParams } from '../../stored-grants.js';
import { decisionText, progressText, stateValues } from '../../stored-rows.js';
import type { Transition } from '../../store.js';
import { sql } from '../dialect.js';
import { one, run, type Op, type WriteResult } from '../tx.js';
import { queueOutbox } from './outbox.js';
import { countersOf, pendingAudit, queuedAfter, spendLink, UNDO, type RowAndQueue } from './shared.js';

/** The fields of a record a transition reads: the new state it writes, and what the quorum's last approval expects. */
type WrittenState = Pick<ApprovalRecord, 'status' | 'decision' | 'resolvedAt' | 'quorum'>;
type ExpectedState = Pick<ApprovalRecord, 'quorum' | 'escalation' | 'queue'>;

/**
 * A transition as its operation reads it: of the records, only the fields it writes or compares (the rest of the row
 * is as stored). The SQLite store sends no more than this to its writer thread.
 */
export type TransitionInput = Omit<Transition, 'record' | 'expect'> & { record: WrittenState; expect?: ExpectedState | undefined };

/** `input` with its records cut down to what the operation reads. */
export function transitionInput(input: Transition): TransitionInput {
  const { record, expect, ...rest } = input;
  const written: WrittenState = { status: record.status };
  if (record.decision !== undefined) written.decision = record.decision;
  if (record.resolvedAt !== undefined) written.resolvedAt = record.resolvedAt;
  if (record.quorum !== undefined) written.quorum = record.quorum;
  const slim: TransitionInput = { ...rest, record: written };
  if (expect) {
    slim.expect = { queue: expect.queue };
    if (expect.quorum !== undefined) slim.expect.quorum = expect.quorum;
    if (expect.escalation !== undefined) slim.expect.escalation = expect.escalation;
  }
  return slim;
}

/** What a quorum's last approval expects still to hold: no other approval, edit or move came in since the engine read it. */
export function expected(before: ExpectedState): [string | null, string | null, string] {
  return [progressText(before.quorum), progressText(before.escalation), before.queue];
}

const EXPECT = ` AND quorum IS NOT DISTINCT FROM $8 AND escalation IS NOT DISTINCT FROM $9 AND queue = $10`;

/**
 * The conditional statement every decision hangs on: of concurrent transitions (from any node) one finds the row
 * pending and updates it; the others (on PostgreSQL: wait for its row lock, re-check, and) find it decided. On
 * PostgreSQL it is one statement with the delivery it queues and whether one is queued now (the sub-statements share
 * a snapshot, so the delivery just inserted is counted through `d`, an earlier one through the table); SQLite, with
 * no DML in a CTE, runs the update alone and the rest as the statements after it.
 */
function resolve(expect: boolean) {
  const set = `status = $2, decision = $3, decided_at = $4${expect ? ', quorum = $7' : ''}`;
  const where = `request_id = $1 AND status = 'pending'${expect ? EXPECT : ''}`;
  return {
    sqlite: `UPDATE approvals SET ${set} WHERE ${where} RETURNING *`,
    postgres: `WITH u AS (
       UPDATE approvals SET ${set} WHERE ${where} RETURNING *),
     d AS (
       INSERT INTO deliveries (request_id, principal_id, created_at)
       SELECT request_id, $5::text, $6 FROM u WHERE $5::text IS NOT NULL
       ON CONFLICT DO NOTHING RETURNING request_id)
     SELECT u.*, (EXISTS (SELECT 1 FROM d) OR EXISTS (SELECT 1 FROM deliveries WHERE request_id = $1)) AS queued FROM u`,
  };
}
const resolvePending = resolve(false);
const resolveExpecting = resolve(true);

/** SQLite's second statement of `resolve` (PostgreSQL's `d`). */
const queueDelivery = { sqlite: 'INSERT INTO deliveries (request_id, principal_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', postgres: null };

const insertGrant = sql(
  () => `INSERT INTO grants (grant_id, effect, queue, tool_name, match, granted_by_id, granted_by, from_request_id, created_at, expires_at, max_uses)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
);

export function* transition(input: TransitionInput): Op<WriteResult<boolean>> {
  const { record } = input;
  // Cancelled requests carry no decision; they are dated by the transition, so history can place them too.
  const decidedAt = Date.parse(record.resolvedAt ?? record.decision?.decidedAt ?? input.at);
  const decision = record.decision ? decisionText(record.decision) : null;
  const at = Date.parse(input.at);
  if (input.linkUse && !(yield* spendLink(input.requestId, input.linkUse))) return { value: false, commit: false };
  const params: unknown[] = [input.requestId, record.status, decision, decidedAt, input.deliverTo, at];
  if (input.expect) params.push(progressText(record.quorum), ...expected(input.expect));
  const row = yield* one<RowAndQueue>(input.expect ? resolveExpecting : resolvePending, params);
  if (!row) {
    // A quorum's last approval can still lose (its expectation no longer holds): the link it spent stays unspent.
    if (input.linkUse) yield* run(UNDO, []);
    return { value: false, commit: false };
  }
  if (input.deliverTo !== null) yield* run(queueDelivery, [input.requestId, input.deliverTo, at]);
  const queued = yield* queuedAfter(row, input.deliverTo !== null);
  if (input.grant) {
    const g = grantParams(input.grant);
    yield* run(insertGrant, [g.grantId, g.effect, g.queue, g.toolName, g.match, g.grantedById, g.grantedBy, g.fromRequestId, g.createdAt, g.expiresAt, g.maxUses]);
  }
  yield* queueOutbox(input.outbox);
  return {
    value: true,
    audit: pendingAudit(input.audit, input.at, input.requestId, stateHash(stateValues(row), queued)),
    commit: true,
    counters: countersOf(row),
    notice: { resolved: [row.request_id, row.principal_id, row.queue], ...(input.grant && { grants: input.grant.queue }) },
  };
}
