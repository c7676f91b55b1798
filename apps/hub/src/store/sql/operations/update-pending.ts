import { stateHash } from '../../../audit/audit-chain.js';
import { escalateAtOf, progressText, stateValues } from '../../stored-rows.js';
import type { PendingUpdate } from '../../store.js';
import { one, run, type CounterKey, type Op, type WriteResult } from '../tx.js';
import { pendingAudit, queuedAfter, spendLink, UNDO, type RowAndQueue } from './shared.js';
import { expected } from './transition.js';

const SET = 'quorum = $2, escalation = $3, escalate_at = $4, queue = $5';
const WHERE = `request_id = $1 AND status = 'pending' AND quorum IS NOT DISTINCT FROM $6 AND escalation IS NOT DISTINCT FROM $7 AND queue = $8`;

/** Only if no other approval, edit or move came in since the engine read the request; on PostgreSQL with `queued`. */
const updateExpecting = {
  sqlite: `UPDATE approvals SET ${SET} WHERE ${WHERE} RETURNING *`,
  postgres: `WITH u AS (UPDATE approvals SET ${SET} WHERE ${WHERE} RETURNING *)
     SELECT u.*, EXISTS (SELECT 1 FROM deliveries WHERE request_id = $1) AS queued FROM u`,
};

/** A pending request's progress (a quorum's partial approval, an escalation, a move), never its decision. */
export function* updatePending(input: PendingUpdate): Op<WriteResult<boolean>> {
  const { record } = input;
  // A partial quorum approval made through a link spends it, as a decision would: first, and only while pending.
  if (input.linkUse && !(yield* spendLink(input.requestId, input.linkUse))) return { value: false, commit: false };
  const row = yield* one<RowAndQueue>(updateExpecting, [
    input.requestId,
    progressText(record.quorum),
    progressText(record.escalation),
    escalateAtOf(record),
    record.queue,
    ...expected(input.before),
  ]);
  if (!row) {
    if (input.linkUse) yield* run(UNDO, []);
    return { value: false, commit: false };
  }
  const state = stateHash(stateValues(row), yield* queuedAfter(row));
  const counters: CounterKey[] = input.before.queue === row.queue ? [] : [['queue', input.before.queue], ['queue', row.queue]];
  return { value: true, audit: pendingAudit(input.audit, input.at, input.requestId, state), commit: true, counters };
}
