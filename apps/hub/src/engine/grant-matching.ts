import type { ApprovalRecord, Grant, GrantMatch } from '@approval-hub/protocol';
import { matchesAllArgs, matchesPattern } from './patterns.js';

/** Why a grant made on `record` with this scope would be refused, or null when it may be made. */
export function grantScopeProblem(record: ApprovalRecord, match: GrantMatch): string | null {
  if (match.challenges && (record.challenges?.length ?? 0) === 0 && (match.challenges.actions.length === 0 || match.challenges.resources.length === 0)) {
    return 'this request carries no challenges: give match.actions and match.resources, or match on args';
  }
  if (match.challenges && match.challenges.actions.length === 0) return 'match.actions must not be empty';
  return null;
}

/** Whether a grant's match covers a request (the queue is the store's filter; liveness the store's too). */
export function grantCovers(match: GrantMatch, record: ApprovalRecord): boolean {
  if (!matchesPattern(match.agent, record.agent.id)) return false;
  if (!matchesPattern(match.toolName, record.toolName)) return false;
  if (match.onBehalfOf === null ? record.onBehalfOf !== undefined : record.onBehalfOf === undefined || !matchesPattern(match.onBehalfOf, record.onBehalfOf)) return false;
  if (match.args && !matchesAllArgs(match.args, record.args)) return false;
  if (match.challenges) {
    const challenges = record.challenges ?? [];
    if (challenges.length === 0) return false;
    const { actions, resources } = match.challenges;
    const covered = (patterns: string[], values: string[]) => values.every((v) => patterns.some((p) => matchesPattern(p, v)));
    if (!challenges.every((c) => covered(actions, c.actions) && covered(resources, c.resources))) return false;
  }
  return true;
}

/**
 * The grant that decides a request among the live ones of its queue: a deny grant beats any allow grant; an allow
 * grant never decides a request that needs a quorum (one reviewer's grant must not stand in for several).
 */
export function decidingGrant(grants: readonly Grant[], record: ApprovalRecord): Grant | undefined {
  const covering = grants.filter((g) => g.queue === record.queue && grantCovers(g.match, record));
  return covering.find((g) => g.effect === 'deny') ?? (record.quorum ? undefined : covering.find((g) => g.effect === 'allow'));
}
