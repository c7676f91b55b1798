import type pg from 'pg';

/** The channel every hub node may LISTEN on (phase 2: cross-node delivery and long-poll wake-ups). */
export const CHANGE_CHANNEL = 'approval_hub';

/**
 * What changed, small and without arguments or decisions: a listener reads the rest from the database, which
 * stays the truth (a missed notice is caught by a periodic sweep, not by this payload).
 */
export interface ChangeNotice {
  kind: 'requested' | 'transitioned' | 'delivered';
  requestId: string;
  queue: string;
  principalId: string;
}

/**
 * Sends the notice inside the caller's transaction: PostgreSQL delivers it at COMMIT, and never for a rollback, so
 * a listener can only hear of committed changes. `pg_notify` with no listener costs a queue entry; identical
 * notices in one transaction are folded into one. Nothing listens yet (multi-node, phase 2).
 */
export async function sendChangeNotice(client: pg.PoolClient, notice: ChangeNotice): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, JSON.stringify(notice)]);
}
