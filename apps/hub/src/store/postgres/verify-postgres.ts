import type { AuditHead, AuditVerifyResult } from '@approval-hub/protocol';
import type pg from 'pg';
import { verifyChain, verifyStates, type ChainedAuditRow, type StoredState } from '../../audit/audit-chain.js';
import { stateValues, toChainedRow, type ApprovalRow, type AuditRow } from '../stored-rows.js';
import type { VerifyInput } from '../store.js';
import { auditHead } from '../sql/reads/audit.js';
import { read } from '../sql/run-postgres.js';

/** Rows read per round trip while verifying. */
const CHUNK = 5000;

/** The last committed audit row's position, hash and time; the genesis head for an empty chain. */
export function readAuditHead(queryable: pg.Pool | pg.PoolClient): Promise<AuditHead> {
  return read(queryable, auditHead());
}

async function chainRows(client: pg.PoolClient): Promise<ChainedAuditRow[]> {
  const out: ChainedAuditRow[] = [];
  let after = -1;
  for (;;) {
    const { rows } = await client.query<AuditRow>('SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2', [after, CHUNK]);
    for (const row of rows) out.push(toChainedRow(row));
    if (rows.length < CHUNK) return out;
    after = rows.at(-1)!.seq;
  }
}

async function storedStates(client: pg.PoolClient): Promise<StoredState[]> {
  const out: StoredState[] = [];
  let after = 0;
  for (;;) {
    const { rows } = await client.query<ApprovalRow & { undelivered: boolean }>(
      `SELECT a.*, (d.request_id IS NOT NULL) AS undelivered FROM approvals a LEFT JOIN deliveries d ON d.request_id = a.request_id
       WHERE a.seq > $1 ORDER BY a.seq LIMIT $2`,
      [after, CHUNK],
    );
    for (const row of rows) out.push({ requestId: row.request_id, values: stateValues(row), undelivered: row.undelivered });
    if (rows.length < CHUNK) return out;
    after = rows.at(-1)!.seq;
  }
}

/**
 * Checks the audit chain row by row, then every stored request and delivery against the last state the chain
 * committed to for it, with the same checks as the SQLite store (audit-chain.ts). Reads in one REPEATABLE READ
 * snapshot, so writes of running hubs do not move under it. It holds the rows in memory while it checks them
 * (a streaming check is a later step for very large chains).
 */
export async function verifyPostgres(pool: pg.Pool, input: VerifyInput = {}): Promise<AuditVerifyResult> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const rows = await chainRows(client);
    const states = await storedStates(client);
    await client.query('COMMIT');
    const chain = verifyChain(rows, { expectedHead: input.expectedHead });
    const { states: chainStates, ...result } = chain;
    if (!result.ok) return result;
    const checkedStates = verifyStates(chainStates, states);
    if (checkedStates.badState) return { ...result, ok: false, ...checkedStates };
    return { ...result, statesChecked: checkedStates.statesChecked };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
