import type { Grant, GrantMatch, GrantStatus, Grantor } from '@approval-hub/protocol';

/** The stored shape of a grant, the same on every SQL store. Times in ms; JSON as text. */
export interface GrantRow {
  seq: number;
  grant_id: string;
  effect: Grant['effect'];
  queue: string;
  /** The match's tool pattern, as a column for the `toolName` filter. */
  tool_name: string;
  match: string;
  granted_by_id: string;
  granted_by: string;
  from_request_id: string;
  created_at: number;
  expires_at: number;
  max_uses: number | null;
  uses: number;
  revoked_at: number | null;
  revoked_by: string | null;
}

/**
 * A grant's status as SQL, given a parameter holding the engine's time: revoked wins over used up, which wins over
 * expired. Both stores use this expression, so a filter and the returned status agree.
 */
export function grantStatusSql(now: string): string {
  return `CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN max_uses IS NOT NULL AND uses >= max_uses THEN 'used_up' WHEN expires_at <= ${now} THEN 'expired' ELSE 'active' END`;
}

export function grantStatusOf(row: GrantRow, now: number): GrantStatus {
  if (row.revoked_at !== null) return 'revoked';
  if (row.max_uses !== null && row.uses >= row.max_uses) return 'used_up';
  return row.expires_at <= now ? 'expired' : 'active';
}

export function toGrant(row: GrantRow, now: number): Grant {
  const grant: Grant = {
    grantId: row.grant_id,
    effect: row.effect,
    queue: row.queue,
    match: JSON.parse(row.match) as GrantMatch,
    grantedBy: JSON.parse(row.granted_by) as Grantor,
    fromRequestId: row.from_request_id,
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: new Date(row.expires_at).toISOString(),
    uses: row.uses,
    status: grantStatusOf(row, now),
  };
  if (row.max_uses !== null) grant.maxUses = row.max_uses;
  if (row.revoked_at !== null) grant.revokedAt = new Date(row.revoked_at).toISOString();
  if (row.revoked_by !== null) grant.revokedBy = JSON.parse(row.revoked_by) as Grantor;
  return grant;
}

/** The columns a new grant is stored in, as named parameters. */
export function grantParams(grant: Grant) {
  return {
    grantId: grant.grantId,
    effect: grant.effect,
    queue: grant.queue,
    toolName: grant.match.toolName,
    match: JSON.stringify(grant.match),
    grantedById: grant.grantedBy.id,
    grantedBy: JSON.stringify(grant.grantedBy),
    fromRequestId: grant.fromRequestId,
    createdAt: Date.parse(grant.createdAt),
    expiresAt: Date.parse(grant.expiresAt),
    maxUses: grant.maxUses ?? null,
  };
}
