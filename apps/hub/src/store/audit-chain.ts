import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** The stored columns of one audit row, exactly as hashed. */
export interface AuditRowContent {
  seq: number;
  at: string;
  type: string;
  requestId: string | null;
  queue: string | null;
  actor: string;
  data: string;
}

/** SHA-256 over the previous row's hash and this row's content: any changed byte, gap or swap breaks the chain. */
export function auditHash(prevHash: string, row: AuditRowContent): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(JSON.stringify([row.seq, row.at, row.type, row.requestId, row.queue, row.actor, row.data]))
    .digest('hex');
}
