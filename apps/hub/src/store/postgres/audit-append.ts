import type pg from 'pg';
import { auditHashTail } from '../../audit/audit-chain.js';
import type { AuditEvent } from '../../audit/audit-events.js';
import { auditRowContent } from '../audit-row.js';
import { StoreIntegrityError } from '../store.js';

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface PendingAudit {
  event: AuditEvent;
  at: string;
  /** The request's state hash after this event (null for events that change no request). */
  state: string | null;
}

/** SQLSTATEs raised by the functions in schema.ts. */
const CHAIN_WENT_BACK = 'AH001';
const HEAD_MISSING = 'AH002';
const AGENT_QUOTA = 'AH003';
const QUEUE_QUOTA = 'AH004';

/** Pending requests allowed per agent and per queue, the new one included. */
export interface QuotaCheck {
  principalId: string;
  queue: string;
  maxPendingPerAgent: number;
  maxPendingPerQueue: number;
}

/** The insert would go over a pending quota: nothing was written. */
export class QuotaExceededError extends Error {
  override name = 'QuotaExceededError';
  constructor(
    readonly scope: 'agent' | 'queue',
    readonly limit: number,
  ) {
    super(`over the ${scope} quota of ${limit} pending requests`);
  }
}

/**
 * Appends audit rows to the one chain and commits the caller's transaction, in a single round trip. The chain head
 * row is locked (`FOR UPDATE`) inside `audit_append` (schema.ts), which chains the rows from the head it finds there:
 * concurrent writers on every node append one after another, and the lock is released by the COMMIT sent in the
 * same message. No client round trip happens under the lock, which is what bounds all writes of all nodes.
 *
 * `lastCommitted` is the head this store last wrote: the chain may have grown since (other nodes), but a head
 * behind it, or the same position with another hash, means the database was restored or replaced under us.
 */
export async function appendAuditAndCommit(client: pg.PoolClient, entries: readonly PendingAudit[], lastCommitted: ChainHead | null, quota?: QuotaCheck): Promise<ChainHead> {
  const rows = entries.map(({ event, at, state }) => {
    const content = auditRowContent(event, at, state);
    return { ...content, tail: auditHashTail(content) };
  });
  // The simple query protocol takes several statements in one message but no parameters: the values go as one
  // escaped JSON literal. If audit_append raises, the COMMIT after it is not run and the caller rolls back.
  // The deferred pending-counter trigger (schema.ts) runs first, before the chain head is locked: every transaction
  // takes the counter rows before the head, never after, so no two wait on each other in a cycle. Then quotas: the
  // counters include this insert and stay locked by this transaction to its COMMIT, so two nodes cannot both slip
  // under a limit, and the check reads two rows whatever the backlog.
  const quotaSql = quota
    ? `SELECT approval_quota_check(${client.escapeLiteral(quota.principalId)}, ${client.escapeLiteral(quota.queue)}, ${Number(quota.maxPendingPerAgent)}, ${Number(quota.maxPendingPerQueue)}); `
    : '';
  const sql =
    `SET CONSTRAINTS approvals_pending_counts IMMEDIATE; ${quotaSql}SELECT seq, hash FROM audit_append(${client.escapeLiteral(JSON.stringify(rows))}::json, ` +
    `${lastCommitted ? `${Number(lastCommitted.seq)}, ${client.escapeLiteral(lastCommitted.hash)}` : 'NULL, NULL'}); COMMIT`;
  let results: pg.QueryResult<ChainHead>[];
  try {
    results = (await client.query(sql)) as unknown as pg.QueryResult<ChainHead>[];
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === CHAIN_WENT_BACK) {
      throw new StoreIntegrityError(`The audit chain went back behind row ${lastCommitted?.seq} that this hub wrote: the database was restored or replaced. Writes are refused.`);
    }
    if (code === HEAD_MISSING) throw new StoreIntegrityError('The audit_head row is missing: the database was changed outside the hub. Writes are refused.');
    if (quota && code === AGENT_QUOTA) throw new QuotaExceededError('agent', quota.maxPendingPerAgent);
    if (quota && code === QUEUE_QUOTA) throw new QuotaExceededError('queue', quota.maxPendingPerQueue);
    throw error;
  }
  const head = results[quota ? 2 : 1]?.rows[0];
  if (!head) throw new Error('audit_append returned no head');
  return { seq: Number(head.seq), hash: head.hash };
}
