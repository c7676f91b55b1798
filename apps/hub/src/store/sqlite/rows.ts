import type { AuditHead } from '@approval-hub/protocol';
import type { Database as Db } from 'better-sqlite3';
import { GENESIS_HASH } from '../../audit/audit-chain.js';

export * from '../stored-rows.js';

/** The last audit row's position, hash and time; the genesis head for an empty chain. */
export function readAuditHead(db: Db): AuditHead {
  const last = db.prepare('SELECT seq, hash, at FROM audit ORDER BY seq DESC LIMIT 1').get() as AuditHead | undefined;
  return last ? { seq: last.seq, hash: last.hash, at: last.at } : { seq: 0, hash: GENESIS_HASH, at: null };
}
