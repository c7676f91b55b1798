import type pg from 'pg';
import { stateHash } from '../../audit/audit-chain.js';
import { purgedEvent, type AuditEvent } from '../../audit/audit-events.js';
import { decisionText, rowParams, stateValues, toRecord, type ApprovalRow } from '../stored-rows.js';
import type { InsertOutcome, InsertRequest, PurgeDecided, StoredRequest, Transition } from '../store.js';
import { appendAudit, type ChainHead, type PendingAudit } from './audit-append.js';
import { sendChangeNotice } from './change-notice.js';
import { queueOutbox } from './postgres-outbox.js';

/** What a write leaves for the store: its result, and the chain head it committed (if it appended). */
export interface WriteResult<T> {
  value: T;
  head: ChainHead | null;
  /** False when the write found nothing to do: the transaction is rolled back (nothing was written). */
  commit: boolean;
}

/** Advisory-lock namespaces (first key of pg_advisory_xact_lock(int, int)) for the quota counts. */
const AGENT_QUOTA_LOCK = 1;
const QUEUE_QUOTA_LOCK = 2;

const stored = (row: ApprovalRow): StoredRequest => ({ record: toRecord(row), principalId: row.principal_id, requestHash: row.request_hash });

function pendingAudit(events: readonly AuditEvent[], at: string, requestId: string, state: string | null): PendingAudit[] {
  return events.map((event) => ({ event, at, state: event.requestId === requestId ? state : null }));
}

export async function insertRequest(client: pg.PoolClient, input: InsertRequest, lastHead: ChainHead | null, node: string): Promise<WriteResult<InsertOutcome>> {
  const { record } = input;
  const byId = 'SELECT * FROM approvals WHERE request_id = $1';
  const existing = (await client.query<ApprovalRow>(byId, [record.requestId])).rows[0];
  if (existing) return { value: { kind: 'existing', stored: stored(existing) }, head: null, commit: false };
  if (record.status === 'pending' && input.quota) {
    // Per agent and per queue, inserts take turns (an advisory lock keyed on a hash of the name, held to COMMIT), so
    // the counts below see every insert committed before and two nodes cannot both slip under the limit. Always
    // agent then queue: one order, no deadlock.
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [AGENT_QUOTA_LOCK, input.principalId]);
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [QUEUE_QUOTA_LOCK, record.queue]);
    const { rows } = await client.query<{ agent: number; queue: number }>(
      `SELECT (SELECT COUNT(*) FROM approvals WHERE principal_id = $1 AND status = 'pending') AS agent,
              (SELECT COUNT(*) FROM approvals WHERE queue = $2 AND status = 'pending') AS queue`,
      [input.principalId, record.queue],
    );
    const counts = rows[0]!;
    if (counts.agent >= input.quota.maxPendingPerAgent) return { value: { kind: 'quota_exceeded', scope: 'agent', limit: input.quota.maxPendingPerAgent }, head: null, commit: false };
    if (counts.queue >= input.quota.maxPendingPerQueue) return { value: { kind: 'quota_exceeded', scope: 'queue', limit: input.quota.maxPendingPerQueue }, head: null, commit: false };
  }
  const p = rowParams(record, input.principalId, input.requestHash);
  const inserted = await client.query<ApprovalRow>(
    `INSERT INTO approvals
       (request_id, principal_id, principal_name, request_hash, status, tool_name, args, agent_name, run_id, conversation_id, description, queue, created_at, expires_at, decision, trust, decided_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     ON CONFLICT (request_id) DO NOTHING
     RETURNING *`,
    [p.requestId, p.principalId, p.principalName, p.requestHash, p.status, p.toolName, p.args, p.agentName, p.runId, p.conversationId, p.description, p.queue, p.createdAt, p.expiresAt, p.decision, p.trust, p.decidedAt],
  );
  const row = inserted.rows[0];
  if (!row) {
    // Another transaction inserted this requestId since we looked; it has committed now (ON CONFLICT waited for it).
    const winner = (await client.query<ApprovalRow>(byId, [record.requestId])).rows[0]!;
    return { value: { kind: 'existing', stored: stored(winner) }, head: null, commit: false };
  }
  if (input.deliver) {
    await client.query('INSERT INTO deliveries (request_id, principal_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [record.requestId, input.principalId, p.createdAt]);
  }
  // A new request has a delivery exactly when this insert queued one.
  const state = stateHash(stateValues(row), input.deliver);
  const head = await appendAudit(client, pendingAudit(input.audit, record.createdAt, record.requestId, state), lastHead);
  await queueOutbox(client, input.outbox);
  await sendChangeNotice(client, { kind: 'requested', node, requestId: row.request_id, queue: row.queue, principalId: row.principal_id, expiresAt: row.expires_at });
  return { value: { kind: 'created', record }, head, commit: true };
}

export async function transition(client: pg.PoolClient, input: Transition, lastHead: ChainHead | null, node: string): Promise<WriteResult<boolean>> {
  const { record } = input;
  // The conditional statement every decision hangs on: of concurrent transitions (from any node) one finds the row
  // pending and updates it; the others wait for its row lock, re-check, and find it decided.
  // Cancelled requests carry no decision; they are dated by the transition, so history can place them too.
  const decidedAt = Date.parse(record.resolvedAt ?? record.decision?.decidedAt ?? input.at);
  const updated = await client.query<ApprovalRow>(`UPDATE approvals SET status = $2, decision = $3, decided_at = $4 WHERE request_id = $1 AND status = 'pending' RETURNING *`, [
    input.requestId,
    record.status,
    record.decision ? decisionText(record.decision) : null,
    decidedAt,
  ]);
  const row = updated.rows[0];
  if (!row) return { value: false, head: null, commit: false };
  if (input.linkUse) {
    // A link decides once: spent in this transaction, or (spent already) the whole transition is rolled back.
    const { linkId, principalId, usedAt } = input.linkUse;
    const spent = await client.query('INSERT INTO decision_link_uses (link_id, request_id, principal_id, used_at) VALUES ($1, $2, $3, $4) ON CONFLICT (link_id) DO NOTHING', [
      linkId,
      input.requestId,
      principalId,
      Date.parse(usedAt),
    ]);
    if (spent.rowCount === 0) return { value: false, head: null, commit: false };
  }
  if (input.deliverTo !== null) {
    await client.query('INSERT INTO deliveries (request_id, principal_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [input.requestId, input.deliverTo, Date.parse(input.at)]);
  }
  const undelivered = (await client.query<{ queued: boolean }>('SELECT EXISTS (SELECT 1 FROM deliveries WHERE request_id = $1) AS queued', [input.requestId])).rows[0]!.queued;
  const state = stateHash(stateValues(row), undelivered);
  const head = await appendAudit(client, pendingAudit(input.audit, input.at, input.requestId, state), lastHead);
  await queueOutbox(client, input.outbox);
  await sendChangeNotice(client, { kind: 'transitioned', node, requestId: row.request_id, queue: row.queue, principalId: row.principal_id });
  return { value: true, head, commit: true };
}

export async function markDelivered(client: pg.PoolClient, requestId: string, principalId: string, audit: AuditEvent, at: string, lastHead: ChainHead | null, node: string): Promise<WriteResult<boolean>> {
  const deleted = await client.query('DELETE FROM deliveries WHERE request_id = $1 AND principal_id = $2', [requestId, principalId]);
  if (deleted.rowCount === 0) return { value: false, head: null, commit: false };
  const row = (await client.query<ApprovalRow>('SELECT * FROM approvals WHERE request_id = $1', [requestId])).rows[0]!;
  // One delivery per request (its primary key): none is left after this one.
  const head = await appendAudit(client, [{ event: audit, at, state: stateHash(stateValues(row), false) }], lastHead);
  await sendChangeNotice(client, { kind: 'delivered', node, requestId, queue: row.queue, principalId });
  return { value: true, head, commit: true };
}

export async function appendEvents(client: pg.PoolClient, events: AuditEvent[], at: string, lastHead: ChainHead | null): Promise<WriteResult<void>> {
  const head = await appendAudit(client, events.map((event) => ({ event, at, state: null })), lastHead);
  return { value: undefined, head, commit: true };
}

/**
 * Removes up to `limit` resolved requests (and any undelivered decision of theirs) resolved before the cutoff, oldest
 * first, with one `purged` audit row. Rows another node is purging right now are skipped (SKIP LOCKED), so two
 * nodes running retention at once split the work instead of waiting on each other.
 */
export async function purgeDecided(client: pg.PoolClient, input: PurgeDecided, lastHead: ChainHead | null): Promise<WriteResult<string[]>> {
  const { rows } = await client.query<{ request_id: string }>(
    `SELECT request_id FROM approvals
     WHERE status <> 'pending'
       AND CASE WHEN decision IS NULL THEN expires_at < $1 ELSE (decision::json ->> 'decidedAt') < $2 END
     ORDER BY seq LIMIT $3
     FOR UPDATE SKIP LOCKED`,
    [input.resolvedBefore, new Date(input.resolvedBefore).toISOString(), input.limit],
  );
  if (rows.length === 0) return { value: [], head: null, commit: false };
  const ids = rows.map((r) => r.request_id);
  await client.query('DELETE FROM deliveries WHERE request_id = ANY($1::text[])', [ids]);
  await client.query('DELETE FROM approvals WHERE request_id = ANY($1::text[])', [ids]);
  const head = await appendAudit(client, [{ event: purgedEvent(ids, input.resolvedBefore), at: input.at, state: null }], lastHead);
  return { value: ids, head, commit: true };
}
