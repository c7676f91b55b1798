import type { Grant } from '@approval-hub/protocol';
import { toGrant, type GrantRow } from '../../stored-grants.js';
import type { RevokeGrant } from '../../store.js';
import { sql } from '../dialect.js';
import { one, type Op, type WriteResult } from '../tx.js';

/** Locked until COMMIT on PostgreSQL, so of concurrent revokes one revokes and the others read it revoked. */
const grantById = sql((d) => `SELECT * FROM grants WHERE grant_id = $1 ${d.forUpdate}`);
const revoke = sql(() => 'UPDATE grants SET revoked_at = $2, revoked_by = $3 WHERE grant_id = $1 AND revoked_at IS NULL RETURNING *');

/** Revokes a grant within the revoker's queues (null: every queue); null when there is no such grant there. */
export function* revokeGrant(input: RevokeGrant): Op<WriteResult<{ grant: Grant; revoked: boolean } | null>> {
  const found = yield* one<GrantRow>(grantById, [input.grantId]);
  if (!found || (input.queues !== null && !input.queues.includes(found.queue))) return { value: null, commit: false };
  if (found.revoked_at !== null) return { value: { grant: toGrant(found, input.now), revoked: false }, commit: false };
  const row = (yield* one<GrantRow>(revoke, [input.grantId, Date.parse(input.at), JSON.stringify(input.by)]))!;
  const audit = input.audit.map((event) => ({ event, at: input.at, state: null }));
  return { value: { grant: toGrant(row, input.now), revoked: true }, audit, commit: true, notice: { grants: row.queue } };
}
