import type { AuditRowContent } from '../audit/audit-chain.js';
import type { AuditEvent } from '../audit/audit-events.js';

/**
 * The stored and hashed content of one audit row, built the same way for every store. Text is made well-formed
 * first: SQLite and PostgreSQL keep UTF-8, so a lone surrogate would read back as U+FFFD and the row would no longer
 * match its hash (JSON.stringify already escapes them in actor and data).
 */
export function auditRowContent(event: AuditEvent, at: string, stateHash: string | null): Omit<AuditRowContent, 'seq'> {
  return {
    at,
    type: event.type,
    requestId: event.requestId?.toWellFormed() ?? null,
    queue: event.queue?.toWellFormed() ?? null,
    actor: JSON.stringify(event.actor),
    data: JSON.stringify(event.data),
    stateHash,
  };
}
