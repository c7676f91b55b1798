import type pg from 'pg';
import { z } from 'zod';

/** The channel every hub node LISTENs on for other nodes' committed changes. */
export const CHANGE_CHANNEL = 'approval_hub';

/**
 * What changed, small and without arguments or decisions: a listener reads the rest from the database, which
 * stays the truth (a missed notice is caught by the engine's periodic resync, not by this payload). `node` is the
 * sending store's id, so a node can skip its own notices.
 */
export const ChangeNotice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('requested'), node: z.string(), requestId: z.string(), queue: z.string(), principalId: z.string(), expiresAt: z.number() }),
  z.object({ kind: z.literal('transitioned'), node: z.string(), requestId: z.string(), queue: z.string(), principalId: z.string() }),
  z.object({ kind: z.literal('delivered'), node: z.string(), requestId: z.string(), queue: z.string(), principalId: z.string() }),
]);
export type ChangeNotice = z.infer<typeof ChangeNotice>;

/**
 * Sends the notice inside the caller's transaction: PostgreSQL delivers it at COMMIT, and never for a rollback, so
 * a listener can only hear of committed changes.
 */
export async function sendChangeNotice(client: pg.PoolClient, notice: ChangeNotice): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, JSON.stringify(notice)]);
}
