import type pg from 'pg';
import { stateHash } from '../../audit/audit-chain.js';
import { purgedEvent, type AuditEvent } from '../../audit/audit-events.js';
import type { Grant } from '@approval-hub/protocol';
import { stateValues, toRecord, type ApprovalRow } from '../stored-rows.js';
import { toGrant, type GrantRow } from '../stored-grants.js';
import type { PurgeDecided, PurgedSpent, PurgeSpent, RevokeGrant, StoredRequest, } from '../store.js';
import type { CounterKey, PendingAudit, WriteResult } from '../sql/tx.js';

/*
 * Each write runs inside its batch's transaction (write-batch.ts) and leaves its audit rows, counter keys and notice
 * to the batch, which sends them with the COMMIT. A write that finds nothing to do writes nothing: it either detects
 * that with its first statement, or (grant uses, decision links: the paths that write before they know) takes a
 * SAVEPOINT of its own and rolls back to it. The common paths are one statement each.
 */

const _stored = (row: ApprovalRow): StoredRequest => ({ record: toRecord(row), principalId: row.principal_id, requestHash: row.request_hash });

function _pendingAudit(events: readonly AuditEvent[], at: string, requestId: string, state: string | null): PendingAudit[] {
  return events.map((event) => ({ event, at, state: event.requestId === requestId ? state : null }));
}

/** The counter rows a pending request counts in. */
const _countersOf = (row: ApprovalRow): CounterKey[] => [
  ['agent', row.principal_id],
  ['queue', row.queue],
];

const _SAVEPOINT = 'SAVEPOINT write';
const _UNDO = 'ROLLBACK TO SAVEPOINT write';

const _byId = 'SELECT * FROM approvals WHERE request_id = $1';

export async function revokeGrant(client: pg.PoolClient, input: RevokeGrant): Promise<WriteResult<{ grant: Grant; revoked: boolean } | null>> {
  const found = (await client.query<GrantRow>('SELECT * FROM grants WHERE grant_id = $1 FOR UPDATE', [input.grantId])).rows[0];
  if (!found || (input.queues !== null && !input.queues.includes(found.queue))) return { value: null, commit: false };
  if (found.revoked_at !== null) return { value: { grant: toGrant(found, input.now), revoked: false }, commit: false };
  const row = (await client.query<GrantRow>('UPDATE grants SET revoked_at = $2, revoked_by = $3 WHERE grant_id = $1 RETURNING *', [input.grantId, Date.parse(input.at), JSON.stringify(input.by)])).rows[0]!;
  const appended: PendingAudit[] = input.audit.map((event) => ({ event, at: input.at, state: null }));
  return { value: { grant: toGrant(row, input.now), revoked: true }, audit: appended, commit: true, notice: { grants: row.queue } };
}

/** No notice: other nodes have nothing to do when an agent acknowledges a decision. */
export async function markDelivered(client: pg.PoolClient, requestId: string, principalId: string, audit: AuditEvent, at: string): Promise<WriteResult<boolean>> {
  const { rows } = await client.query<ApprovalRow>(
    `WITH d AS (DELETE FROM deliveries WHERE request_id = $1 AND principal_id = $2 RETURNING request_id)
     SELECT a.* FROM approvals a JOIN d ON a.request_id = d.request_id`,
    [requestId, principalId],
  );
  const row = rows[0];
  if (!row) return { value: false, commit: false };
  // One delivery per request (its primary key): none is left after this one.
  return { value: true, audit: [{ event: audit, at, state: stateHash(stateValues(row), false) }], commit: true };
}

export function appendEvents(events: AuditEvent[], at: string): Promise<WriteResult<void>> {
  return Promise.resolve({ value: undefined, audit: events.map((event) => ({ event, at, state: null })), commit: true });
}

/**
 * Removes up to `limit` resolved requests (and any undelivered decision of theirs) resolved before the cutoff, oldest
 * first, with one `purged` audit row. Rows another node is purging right now are skipped (SKIP LOCKED), so two
 * nodes running retention at once split the work instead of waiting on each other.
 */
export async function purgeDecided(client: pg.PoolClient, input: PurgeDecided): Promise<WriteResult<string[]>> {
  const { rows } = await client.query<{ request_id: string }>(
    `SELECT request_id FROM approvals
     WHERE status <> 'pending'
       AND CASE WHEN decision IS NULL THEN expires_at < $1 ELSE (decision::json ->> 'decidedAt') < $2 END
     ORDER BY seq LIMIT $3
     FOR UPDATE SKIP LOCKED`,
    [input.resolvedBefore, new Date(input.resolvedBefore).toISOString(), input.limit],
  );
  if (rows.length === 0) return { value: [], commit: false };
  const ids = rows.map((r) => r.request_id);
  await client.query('DELETE FROM deliveries WHERE request_id = ANY($1::text[])', [ids]);
  await client.query('DELETE FROM approvals WHERE request_id = ANY($1::text[])', [ids]);
  const appended: PendingAudit[] = [{ event: purgedEvent(ids, input.resolvedBefore), at: input.at, state: null }];
  return { value: ids, audit: appended, commit: true };
}

/**
 * Removes what purged requests leave behind (see `ApprovalStore.purgeSpent`): settled outbox rows and spent link uses
 * older than the cutoff whose request is gone. SKIP LOCKED, as in `purgeDecided`: a row the dispatcher holds (or
 * another node is purging) is left for the next run.
 */
export async function purgeSpent(client: pg.PoolClient, input: PurgeSpent): Promise<WriteResult<PurgedSpent>> {
  const outbox = await client.query(
    `DELETE FROM outbox WHERE seq IN (
       SELECT seq FROM outbox o
       WHERE o.status IN ('delivered','dead','skipped') AND o.due_at < $1 AND COALESCE(o.last_attempt_at, 0) < $1
         AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = o.request_id)
       LIMIT $2
       FOR UPDATE SKIP LOCKED)`,
    [input.before, input.limit],
  );
  const links = await client.query(
    `DELETE FROM decision_link_uses WHERE link_id IN (
       SELECT link_id FROM decision_link_uses u
       WHERE u.used_at < $1 AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = u.request_id)
       LIMIT $2
       FOR UPDATE SKIP LOCKED)`,
    [input.before, input.limit],
  );
  const value = { outbox: outbox.rowCount ?? 0, linkUses: links.rowCount ?? 0 };
  return { value, commit: value.outbox + value.linkUses > 0 };
}
