import type pg from 'pg';
import { auditHash, type AuditRowContent } from '../../audit/audit-chain.js';
import type { AuditEvent } from '../../audit/audit-events.js';
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

/**
 * Appends audit rows to the chain inside the caller's transaction. The head row is locked (`FOR UPDATE`) and read
 * here, never taken from memory, so concurrent writers on any node append one after another; the lock is held
 * until the caller commits. Callers append last, just before COMMIT, to hold it as briefly as possible.
 *
 * `lastCommitted` is the head this store last wrote: the chain may have grown since (other nodes), but a head
 * behind it, or the same position with another hash, means the database was restored or replaced under us.
 */
export async function appendAudit(client: pg.PoolClient, entries: readonly PendingAudit[], lastCommitted: ChainHead | null): Promise<ChainHead | null> {
  if (entries.length === 0) return null;
  const { rows } = await client.query<ChainHead>('SELECT seq, hash FROM audit_head FOR UPDATE');
  const locked = rows[0];
  if (!locked) throw new StoreIntegrityError('The audit_head row is missing: the database was changed outside the hub. Writes are refused.');
  if (lastCommitted && (locked.seq < lastCommitted.seq || (locked.seq === lastCommitted.seq && locked.hash !== lastCommitted.hash))) {
    throw new StoreIntegrityError(`The audit chain went back behind row ${lastCommitted.seq} that this hub wrote: the database was restored or replaced. Writes are refused.`);
  }
  let head: ChainHead = { seq: locked.seq, hash: locked.hash };
  const values: unknown[] = [];
  const tuples: string[] = [];
  for (const { event, at, state } of entries) {
    const row: AuditRowContent = {
      seq: head.seq + 1,
      at,
      type: event.type,
      // What PostgreSQL keeps (UTF-8): a lone surrogate would read back as U+FFFD and no longer match its hash.
      requestId: event.requestId?.toWellFormed() ?? null,
      queue: event.queue?.toWellFormed() ?? null,
      actor: JSON.stringify(event.actor),
      data: JSON.stringify(event.data),
      stateHash: state,
    };
    const hash = auditHash(head.hash, row);
    const base = values.length;
    values.push(row.seq, row.at, row.type, row.requestId, row.queue, row.actor, row.data, row.stateHash, head.hash, hash);
    tuples.push(`(${Array.from({ length: 10 }, (_, i) => `$${base + i + 1}`).join(',')})`);
    head = { seq: row.seq, hash };
  }
  values.push(head.seq, head.hash);
  const n = values.length;
  await client.query(
    `WITH appended AS (
       INSERT INTO audit (seq, at, type, request_id, queue, actor, data, state_hash, prev_hash, hash) VALUES ${tuples.join(',')}
     )
     UPDATE audit_head SET seq = $${n - 1}, hash = $${n}`,
    values,
  );
  return head;
}
