import type { AuditEvent } from '../../../audit/audit-events.js';
import { stateHash } from '../../../audit/audit-chain.js';
import { stateValues, type ApprovalRow } from '../../stored-rows.js';
import { one, type Op, type WriteResult } from '../tx.js';

/**
 * The delivery removed and its request's row read back: one statement on PostgreSQL (a data-modifying CTE), two on
 * SQLite (the read is null on PostgreSQL).
 */
const deleteDelivery = {
  sqlite: 'DELETE FROM deliveries WHERE request_id = $1 AND principal_id = $2 RETURNING request_id',
  postgres: `WITH d AS (DELETE FROM deliveries WHERE request_id = $1 AND principal_id = $2 RETURNING request_id)
     SELECT a.* FROM approvals a JOIN d ON a.request_id = d.request_id`,
};
const rowAfterDelete = { sqlite: 'SELECT * FROM approvals WHERE request_id = $1', postgres: null };

/** The agent received its decision. No notice: other nodes have nothing to do when an agent acknowledges one. */
export function* markDelivered(requestId: string, principalId: string, audit: AuditEvent, at: string): Op<WriteResult<boolean>> {
  const deleted = yield* one<ApprovalRow>(deleteDelivery, [requestId, principalId]);
  if (!deleted) return { value: false, commit: false };
  const row = (yield* one<ApprovalRow>(rowAfterDelete, [requestId])) ?? deleted;
  // One delivery per request (its primary key): none is left after this one.
  return { value: true, audit: [{ event: audit, at, state: stateHash(stateValues(row), false) }], commit: true };
}
