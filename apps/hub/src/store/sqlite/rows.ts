import type { AuditHead } from '@approval-hub/protocol';
import type { Database as Db } from 'better-sqlite3';
import { auditHead } from '../sql/reads/audit.js';
import { SqliteSteps } from '../sql/run-sqlite.js';

export * from '../stored-rows.js';

/** The last audit row's position, hash and time on a connection of its own (backup, restore, the CLI). */
export function readAuditHead(db: Db): AuditHead {
  return new SqliteSteps(db).read(auditHead());
}
