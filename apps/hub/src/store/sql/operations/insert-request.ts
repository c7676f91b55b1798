import { stateHash } from '../../../audit/audit-chain.js';
import { rowParams, stateValues, toRecord, type ApprovalRow } from '../../stored-rows.js';
import type { InsertOutcome, InsertRequest, StoredRequest } from '../../store.js';
import { sql } from '../dialect.js';
import { one, run, type Op, type WriteResult } from '../tx.js';
import { queueOutbox } from './outbox.js';
import { countersOf, pendingAudit, SAVEPOINT, UNDO } from './shared.js';

const stored = (row: ApprovalRow): StoredRequest => ({ record: toRecord(row), principalId: row.principal_id, requestHash: row.request_hash });

const byRequestId = sql(() => 'SELECT * FROM approvals WHERE request_id = $1');

/**
 * SQLite checks a pending quota before the insert, from counters kept by triggers in the writing transaction (one
 * primary-key read each, whatever the backlog): its single writer makes the check and the insert one step. A re-sent
 * request (its id taken) is never refused. PostgreSQL checks at COMMIT instead, with every insert of the batch
 * counted and the counter rows locked (write-batch.ts): this statement is null there.
 */
const overQuota = {
  sqlite: `SELECT scope FROM pending_counts
    WHERE ((scope = 'agent' AND name = $1 AND n >= $3) OR (scope = 'queue' AND name = $2 AND n >= $4))
      AND NOT EXISTS (SELECT 1 FROM approvals WHERE request_id = $5)
    ORDER BY scope LIMIT 1`,
  postgres: null,
};

/** Row-locked on PostgreSQL: of concurrent uses of the last allowance, one counts and the others re-check and find it used up. */
const useGrant = sql(() => 'UPDATE grants SET uses = uses + 1 WHERE grant_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND (max_uses IS NULL OR uses < max_uses)');

/** RETURNING: the row as the database stored it (its text as UTF-8) is what the state hash must cover. */
const insertApproval = sql(
  () => `INSERT INTO approvals
    (request_id, principal_id, principal_name, request_hash, status, tool_name, args, agent_name, run_id, conversation_id, description, queue, created_at, expires_at, decision, trust, decided_at, quorum, escalation, escalate_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
  ON CONFLICT (request_id) DO NOTHING
  RETURNING *`,
);

const insertDelivery = sql(() => 'INSERT INTO deliveries (request_id, principal_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING');

export function* insertRequest(input: InsertRequest): Op<WriteResult<InsertOutcome>> {
  const { record } = input;
  const pending = record.status === 'pending';
  if (pending && input.quota) {
    const { maxPendingPerAgent, maxPendingPerQueue } = input.quota;
    const over = yield* one<{ scope: 'agent' | 'queue' }>(overQuota, [input.principalId, record.queue, maxPendingPerAgent, maxPendingPerQueue, record.requestId]);
    if (over) return { value: { kind: 'quota_exceeded', scope: over.scope, limit: over.scope === 'agent' ? maxPendingPerAgent : maxPendingPerQueue }, commit: false };
  }
  if (input.grantUse) {
    // Only here is something written before the insert: a re-sent requestId must not count a grant use.
    const existing = yield* one<ApprovalRow>(byRequestId, [record.requestId]);
    if (existing) return { value: { kind: 'existing', stored: stored(existing) }, commit: false };
    yield* run(SAVEPOINT, []);
    // Counted first, before anything else is written: a grant that is no longer live leaves nothing behind.
    if ((yield* run(useGrant, [input.grantUse.grantId, input.grantUse.now])) === 0) return { value: { kind: 'grant_unavailable' }, commit: false };
  }
  const p = rowParams(record, input.principalId, input.requestHash);
  const row = yield* one<ApprovalRow>(insertApproval, [
    p.requestId,
    p.principalId,
    p.principalName,
    p.requestHash,
    p.status,
    p.toolName,
    p.args,
    p.agentName,
    p.runId,
    p.conversationId,
    p.description,
    p.queue,
    p.createdAt,
    p.expiresAt,
    p.decision,
    p.trust,
    p.decidedAt,
    p.quorum,
    p.escalation,
    p.escalateAt,
  ]);
  if (!row) {
    if (input.grantUse) yield* run(UNDO, []);
    // The requestId is taken (by a committed transaction: on PostgreSQL ON CONFLICT waited for any in flight; or by
    // an earlier write of this one).
    const winner = (yield* one<ApprovalRow>(byRequestId, [record.requestId]))!;
    return { value: { kind: 'existing', stored: stored(winner) }, commit: false };
  }
  if (input.deliver) yield* run(insertDelivery, [record.requestId, input.principalId, p.createdAt]);
  // A new request has a delivery exactly when this insert queued one.
  const state = stateHash(stateValues(row), input.deliver);
  yield* queueOutbox(input.outbox);
  // Quotas are checked by the PostgreSQL batch at COMMIT, with every insert of the batch counted (see write-batch.ts).
  const quota = pending && input.quota ? { principalId: input.principalId, queue: record.queue, ...input.quota } : undefined;
  return {
    value: { kind: 'created', record },
    audit: pendingAudit(input.audit, record.createdAt, record.requestId, state),
    commit: true,
    ...(quota && { quota }),
    ...(pending && { counters: countersOf(row) }),
    // A request decided as it arrived (policy, grant) is announced resolved too: other nodes show its resolution to
    // their reviewers and deliver it to the agent's sockets there.
    notice: {
      requested: [row.request_id, row.expires_at, row.queue, row.escalate_at],
      ...(!pending && { resolved: [row.request_id, row.principal_id, row.queue] }),
      ...(input.grantUse && { grants: record.queue }),
    },
  };
}
