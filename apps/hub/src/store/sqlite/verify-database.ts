import type { AuditVerifyResult } from '@approval-hub/protocol';
import type { Database as Db } from 'better-sqlite3';
import { verifyChain, verifyStates } from '../../audit/audit-chain.js';
import type { Read } from '../sql/read.js';
import { chainRows, storedStates, type Chunk } from '../sql/reads/verification.js';
import { SqliteSteps } from '../sql/run-sqlite.js';
import type { VerifyInput } from '../store.js';

/** Every chunk of a verification read (reads/verification.ts), one at a time, so memory stays one chunk. */
function* allChunks<T>(steps: SqliteSteps, chunk: (after: number) => Read<Chunk<T>>): Generator<T> {
  let after: number | null = -1;
  while (after !== null) {
    const page: Chunk<T> = steps.read(chunk(after));
    yield* page.items;
    after = page.next;
  }
}

/**
 * Checks the audit chain row by row, then every stored request and delivery against the last state the chain
 * committed to for it. Reads inside one transaction, so a running hub's writes do not move under it.
 */
export function verifyDatabase(db: Db, input: VerifyInput = {}): AuditVerifyResult {
  const steps = new SqliteSteps(db);
  const run = db.transaction((): AuditVerifyResult => {
    const chain = verifyChain(allChunks(steps, chainRows), { expectedHead: input.expectedHead });
    const { states, ...result } = chain;
    if (!result.ok) return result;
    const checkedStates = verifyStates(states, allChunks(steps, storedStates));
    if (checkedStates.badState) return { ...result, ok: false, ...checkedStates };
    return { ...result, statesChecked: checkedStates.statesChecked };
  });
  return run.deferred();
}
