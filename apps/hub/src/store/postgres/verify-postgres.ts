import type { AuditHead, AuditVerifyResult } from '@approval-hub/protocol';
import type pg from 'pg';
import { verifyChain, verifyStates } from '../../audit/audit-chain.js';
import type { VerifyInput } from '../store.js';
import type { Read } from '../sql/read.js';
import { auditHead } from '../sql/reads/audit.js';
import { chainRows, storedStates, type Chunk } from '../sql/reads/verification.js';
import { read } from '../sql/run-postgres.js';

/** The last committed audit row's position, hash and time; the genesis head for an empty chain. */
export function readAuditHead(queryable: pg.Pool | pg.PoolClient): Promise<AuditHead> {
  return read(queryable, auditHead());
}

/** Every chunk of a verification read (reads/verification.ts), one round trip each. */
async function allChunks<T>(client: pg.PoolClient, chunk: (after: number) => Read<Chunk<T>>): Promise<T[]> {
  const out: T[] = [];
  let after: number | null = -1;
  while (after !== null) {
    const page: Chunk<T> = await read(client, chunk(after));
    out.push(...page.items);
    after = page.next;
  }
  return out;
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
    const rows = await allChunks(client, chainRows);
    const states = await allChunks(client, storedStates);
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
