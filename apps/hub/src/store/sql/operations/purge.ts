import { purgedEvent } from '../../../audit/audit-events.js';
import type { PurgeDecided, PurgedSpent, PurgeSpent } from '../../store.js';
import { sql } from '../dialect.js';
import { all, run, type Op, type WriteResult } from '../tx.js';

/**
 * Resolved requests before the cutoff, oldest first. Decision times are ISO strings from one clock (toIso), so they
 * compare as text; a request without a decision (cancelled) counts as resolved at its deadline. On PostgreSQL rows
 * another node is purging right now are skipped (SKIP LOCKED), so two nodes running retention at once split the work.
 */
const purgeCandidates = sql(
  (d) => `SELECT request_id FROM approvals
  WHERE status <> 'pending'
    AND CASE WHEN decision IS NULL THEN expires_at < $1 ELSE ${d.jsonText('decision', 'decidedAt')} < $2 END
  ORDER BY seq LIMIT $3
  ${d.skipLocked}`,
);
const purgeDeliveries = sql((d) => `DELETE FROM deliveries WHERE ${d.inArray('request_id', '$1')}`);
const purgeApprovals = sql((d) => `DELETE FROM approvals WHERE ${d.inArray('request_id', '$1')}`);

/** Removes up to `limit` resolved requests (and any undelivered decision of theirs), with one `purged` audit row. */
export function* purgeDecided(input: PurgeDecided): Op<WriteResult<string[]>> {
  const rows = yield* all<{ request_id: string }>(purgeCandidates, [input.resolvedBefore, new Date(input.resolvedBefore).toISOString(), input.limit]);
  if (rows.length === 0) return { value: [], commit: false };
  const ids = rows.map((r) => r.request_id);
  yield* run(purgeDeliveries, [ids]);
  yield* run(purgeApprovals, [ids]);
  return { value: ids, audit: [{ event: purgedEvent(ids, input.resolvedBefore), at: input.at, state: null }], commit: true };
}

/*
 * Settled outbox rows and spent link uses of requests no longer stored, in no particular order (no sort: the LIMIT
 * stops the index range scan on outbox (status, due_at) early). Link uses have no time index; the table holds only the
 * retention window. SKIP LOCKED on PostgreSQL, as above: a row the dispatcher holds is left for the next run.
 */
const purgeSpentOutbox = sql(
  (d) => `DELETE FROM outbox WHERE seq IN (
    SELECT seq FROM outbox o
    WHERE o.status IN ('delivered','dead','skipped') AND o.due_at < $1 AND COALESCE(o.last_attempt_at, 0) < $1
      AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = o.request_id)
    LIMIT $2
    ${d.skipLocked})`,
);
const purgeSpentLinks = sql(
  (d) => `DELETE FROM decision_link_uses WHERE link_id IN (
    SELECT link_id FROM decision_link_uses u
    WHERE u.used_at < $1 AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = u.request_id)
    LIMIT $2
    ${d.skipLocked})`,
);

/** Removes what purged requests leave behind (see `ApprovalStore.purgeSpent`), without an audit row. */
export function* purgeSpent(input: PurgeSpent): Op<WriteResult<PurgedSpent>> {
  const outbox = yield* run(purgeSpentOutbox, [input.before, input.limit]);
  const linkUses = yield* run(purgeSpentLinks, [input.before, input.limit]);
  return { value: { outbox, linkUses }, commit: outbox + linkUses > 0 };
}
