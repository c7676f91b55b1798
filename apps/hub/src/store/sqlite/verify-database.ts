import type { AuditVerifyResult } from '@approval-hub/protocol';
import type { Database as Db } from 'better-sqlite3';
import { verifyChain, verifyStates, type StoredState } from '../../audit/audit-chain.js';
import type { VerifyInput } from '../store.js';
import { stateValues, toChainedRow, type ApprovalRow, type AuditRow } from './rows.js';

function* chainRows(db: Db) {
  for (const row of db.prepare('SELECT * FROM audit ORDER BY rowid').iterate() as IterableIterator<AuditRow>) yield toChainedRow(row);
}

function* storedStates(db: Db): Generator<StoredState> {
  const rows = db.prepare(`SELECT a.*, (d.request_id IS NOT NULL) AS undelivered FROM approvals a LEFT JOIN deliveries d ON d.request_id = a.request_id ORDER BY a.seq`);
  for (const row of rows.iterate() as IterableIterator<ApprovalRow & { undelivered: number }>) {
    yield { requestId: row.request_id, values: stateValues(row), undelivered: row.undelivered === 1 };
  }
}

/**
 * Checks the audit chain row by row, then every stored request and delivery against the last state the chain
 * committed to for it. Reads inside one transaction, so a running hub's writes do not move under it.
 */
export function verifyDatabase(db: Db, input: VerifyInput = {}): AuditVerifyResult {
  const run = db.transaction((): AuditVerifyResult => {
    const chain = verifyChain(chainRows(db), { expectedHead: input.expectedHead });
    const { states, ...result } = chain;
    if (!result.ok) return result;
    const checkedStates = verifyStates(states, storedStates(db));
    if (checkedStates.badState) return { ...result, ok: false, ...checkedStates };
    return { ...result, statesChecked: checkedStates.statesChecked };
  });
  return run.deferred();
}
