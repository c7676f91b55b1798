import type pg from 'pg';
import { stateHash } from '../../audit/audit-chain.js';
import { purgedEvent, type AuditEvent } from '../../audit/audit-events.js';
import type { ApprovalRecord, Grant } from '@approval-hub/protocol';
import { decisionText, escalateAtOf, progressText, rowParams, stateValues, toRecord, type ApprovalRow } from '../stored-rows.js';
import { grantParams, toGrant, type GrantRow } from '../stored-grants.js';
import type { InsertOutcome, InsertRequest, LinkUse, PendingUpdate, PurgeDecided, PurgedSpent, PurgeSpent, RevokeGrant, StoredRequest, Transition } from '../store.js';
import type { PendingAudit, QuotaCheck } from './audit-append.js';
import { sendChangeNotice } from './change-notice.js';
import { queueOutbox } from './postgres-outbox.js';

/**
 * What a write leaves for the store: its result, and the audit rows it appends. The store appends them and commits in
 * one round trip (see audit-append.ts), so the chain-head lock is held for no client round trip at all.
 */
export interface WriteResult<T> {
  value: T;
  audit?: PendingAudit[];
  /** Pending-request quotas to hold this insert to, checked just before COMMIT (see audit-append.ts). */
  quota?: QuotaCheck;
  /** False when the write found nothing to do: the transaction is rolled back (nothing was written). */
  commit: boolean;
}

const stored = (row: ApprovalRow): StoredRequest => ({ record: toRecord(row), principalId: row.principal_id, requestHash: row.request_hash });

function pendingAudit(events: readonly AuditEvent[], at: string, requestId: string, state: string | null): PendingAudit[] {
  return events.map((event) => ({ event, at, state: event.requestId === requestId ? state : null }));
}

export async function insertRequest(client: pg.PoolClient, input: InsertRequest, node: string): Promise<WriteResult<InsertOutcome>> {
  const { record } = input;
  const byId = 'SELECT * FROM approvals WHERE request_id = $1';
  const existing = (await client.query<ApprovalRow>(byId, [record.requestId])).rows[0];
  if (existing) return { value: { kind: 'existing', stored: stored(existing) }, commit: false };
  if (input.grantUse) {
    // Row-locked: of concurrent uses of the last allowance, one counts and the others re-check and find it used up.
    const used = await client.query(
      `UPDATE grants SET uses = uses + 1 WHERE grant_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND (max_uses IS NULL OR uses < max_uses)`,
      [input.grantUse.grantId, input.grantUse.now],
    );
    if (used.rowCount === 0) return { value: { kind: 'grant_unavailable' }, commit: false };
  }
  const p = rowParams(record, input.principalId, input.requestHash);
  const inserted = await client.query<ApprovalRow>(
    `INSERT INTO approvals
       (request_id, principal_id, principal_name, request_hash, status, tool_name, args, agent_name, run_id, conversation_id, description, queue, created_at, expires_at, decision, trust, decided_at, quorum, escalation, escalate_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
     ON CONFLICT (request_id) DO NOTHING
     RETURNING *`,
    [p.requestId, p.principalId, p.principalName, p.requestHash, p.status, p.toolName, p.args, p.agentName, p.runId, p.conversationId, p.description, p.queue, p.createdAt, p.expiresAt, p.decision, p.trust, p.decidedAt, p.quorum, p.escalation, p.escalateAt],
  );
  const row = inserted.rows[0];
  if (!row) {
    // Another transaction inserted this requestId since we looked; it has committed now (ON CONFLICT waited for it).
    const winner = (await client.query<ApprovalRow>(byId, [record.requestId])).rows[0]!;
    return { value: { kind: 'existing', stored: stored(winner) }, commit: false };
  }
  if (input.deliver) {
    await client.query('INSERT INTO deliveries (request_id, principal_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [record.requestId, input.principalId, p.createdAt]);
  }
  // A new request has a delivery exactly when this insert queued one.
  const state = stateHash(stateValues(row), input.deliver);
  await queueOutbox(client, input.outbox);
  await sendChangeNotice(client, { kind: 'requested', node, requestId: row.request_id, queue: row.queue, principalId: row.principal_id, expiresAt: row.expires_at });
  const appended: PendingAudit[] = pendingAudit(input.audit, record.createdAt, record.requestId, state);
  // Quotas are checked server-side in the committing message, so their locks are held for no client round trip.
  const quota = record.status === 'pending' && input.quota ? { principalId: input.principalId, queue: record.queue, ...input.quota } : undefined;
  return { value: { kind: 'created', record }, audit: appended, commit: true, ...(quota && { quota }) };
}

/** Records a decision link's use; false when it was already spent. */
async function spendLink(client: pg.PoolClient, requestId: string, use: LinkUse): Promise<boolean> {
  const spent = await client.query('INSERT INTO decision_link_uses (link_id, request_id, principal_id, used_at) VALUES ($1, $2, $3, $4) ON CONFLICT (link_id) DO NOTHING', [
    use.linkId,
    requestId,
    use.principalId,
    Date.parse(use.usedAt),
  ]);
  return spent.rowCount !== 0;
}

export async function transition(client: pg.PoolClient, input: Transition, node: string): Promise<WriteResult<boolean>> {
  const { record } = input;
  // The conditional statement every decision hangs on: of concurrent transitions (from any node) one finds the row
  // pending and updates it; the others wait for its row lock, re-check, and find it decided.
  // Cancelled requests carry no decision; they are dated by the transition, so history can place them too.
  const decidedAt = Date.parse(record.resolvedAt ?? record.decision?.decidedAt ?? input.at);
  const decision = record.decision ? decisionText(record.decision) : null;
  if (input.linkUse) {
    // Spent first, as on SQLite, and only while the request is still pending: a link decides once. A spent link
    // (its key taken, or being taken by a transaction this one then waits for) writes nothing; a transition that
    // loses below rolls the spend back with it.
    const { linkId, principalId, usedAt } = input.linkUse;
    const spent = await client.query(
      `INSERT INTO decision_link_uses (link_id, request_id, principal_id, used_at)
       SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM approvals WHERE request_id = $2 AND status = 'pending')
       ON CONFLICT (link_id) DO NOTHING`,
      [linkId, input.requestId, principalId, Date.parse(usedAt)],
    );
    if (spent.rowCount === 0) return { value: false, commit: false };
  }
  const updated = input.expect
    ? // The last approval of a quorum: only if no other approval, edit or move came in since the engine read it.
      await client.query<ApprovalRow>(
        `UPDATE approvals SET status = $2, decision = $3, decided_at = $4, quorum = $5
         WHERE request_id = $1 AND status = 'pending' AND quorum IS NOT DISTINCT FROM $6 AND escalation IS NOT DISTINCT FROM $7 AND queue = $8 RETURNING *`,
        [input.requestId, record.status, decision, decidedAt, progressText(record.quorum), ...expected(input.expect)],
      )
    : await client.query<ApprovalRow>(`UPDATE approvals SET status = $2, decision = $3, decided_at = $4 WHERE request_id = $1 AND status = 'pending' RETURNING *`, [
        input.requestId,
        record.status,
        decision,
        decidedAt,
      ]);
  const row = updated.rows[0];
  if (!row) return { value: false, commit: false };
  if (input.grant) {
    const g = grantParams(input.grant);
    await client.query(
      `INSERT INTO grants (grant_id, effect, queue, tool_name, match, granted_by_id, granted_by, from_request_id, created_at, expires_at, max_uses)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [g.grantId, g.effect, g.queue, g.toolName, g.match, g.grantedById, g.grantedBy, g.fromRequestId, g.createdAt, g.expiresAt, g.maxUses],
    );
  }
  if (input.deliverTo !== null) {
    await client.query('INSERT INTO deliveries (request_id, principal_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [input.requestId, input.deliverTo, Date.parse(input.at)]);
  }
  const undelivered = (await client.query<{ queued: boolean }>('SELECT EXISTS (SELECT 1 FROM deliveries WHERE request_id = $1) AS queued', [input.requestId])).rows[0]!.queued;
  const state = stateHash(stateValues(row), undelivered);
  await queueOutbox(client, input.outbox);
  await sendChangeNotice(client, { kind: 'transitioned', node, requestId: row.request_id, queue: row.queue, principalId: row.principal_id });
  const appended: PendingAudit[] = pendingAudit(input.audit, input.at, input.requestId, state);
  return { value: true, audit: appended, commit: true };
}

function expected(before: ApprovalRecord): [string | null, string | null, string] {
  return [progressText(before.quorum), progressText(before.escalation), before.queue];
}

export async function updatePending(client: pg.PoolClient, input: PendingUpdate): Promise<WriteResult<boolean>> {
  const { record } = input;
  const updated = await client.query<ApprovalRow>(
    `UPDATE approvals SET quorum = $2, escalation = $3, escalate_at = $4, queue = $5
     WHERE request_id = $1 AND status = 'pending' AND quorum IS NOT DISTINCT FROM $6 AND escalation IS NOT DISTINCT FROM $7 AND queue = $8 RETURNING *`,
    [input.requestId, progressText(record.quorum), progressText(record.escalation), escalateAtOf(record), record.queue, ...expected(input.before)],
  );
  const row = updated.rows[0];
  if (!row) return { value: false, commit: false };
  // A partial quorum approval made through a link spends it here, or (spent already) the update is rolled back.
  if (input.linkUse && !(await spendLink(client, input.requestId, input.linkUse))) return { value: false, commit: false };
  const undelivered = (await client.query<{ queued: boolean }>('SELECT EXISTS (SELECT 1 FROM deliveries WHERE request_id = $1) AS queued', [input.requestId])).rows[0]!.queued;
  const appended: PendingAudit[] = pendingAudit(input.audit, input.at, input.requestId, stateHash(stateValues(row), undelivered));
  return { value: true, audit: appended, commit: true };
}

export async function revokeGrant(client: pg.PoolClient, input: RevokeGrant): Promise<WriteResult<{ grant: Grant; revoked: boolean } | null>> {
  const found = (await client.query<GrantRow>('SELECT * FROM grants WHERE grant_id = $1 FOR UPDATE', [input.grantId])).rows[0];
  if (!found || (input.queues !== null && !input.queues.includes(found.queue))) return { value: null, commit: false };
  if (found.revoked_at !== null) return { value: { grant: toGrant(found, input.now), revoked: false }, commit: false };
  const row = (await client.query<GrantRow>('UPDATE grants SET revoked_at = $2, revoked_by = $3 WHERE grant_id = $1 RETURNING *', [input.grantId, Date.parse(input.at), JSON.stringify(input.by)])).rows[0]!;
  const appended: PendingAudit[] = input.audit.map((event) => ({ event, at: input.at, state: null }));
  return { value: { grant: toGrant(row, input.now), revoked: true }, audit: appended, commit: true };
}

export async function markDelivered(client: pg.PoolClient, requestId: string, principalId: string, audit: AuditEvent, at: string, node: string): Promise<WriteResult<boolean>> {
  const deleted = await client.query('DELETE FROM deliveries WHERE request_id = $1 AND principal_id = $2', [requestId, principalId]);
  if (deleted.rowCount === 0) return { value: false, commit: false };
  const row = (await client.query<ApprovalRow>('SELECT * FROM approvals WHERE request_id = $1', [requestId])).rows[0]!;
  // One delivery per request (its primary key): none is left after this one.
  await sendChangeNotice(client, { kind: 'delivered', node, requestId, queue: row.queue, principalId });
  const appended: PendingAudit[] = [{ event: audit, at, state: stateHash(stateValues(row), false) }];
  return { value: true, audit: appended, commit: true };
}

export async function appendEvents(events: AuditEvent[], at: string): Promise<WriteResult<void>> {
  const appended: PendingAudit[] = events.map((event) => ({ event, at, state: null }));
  return { value: undefined, audit: appended, commit: true };
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
