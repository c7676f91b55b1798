import type { ApprovalRecord, Challenge, Grant, GrantMatch, TextMatcher } from '@approval-hub/protocol';
import { matchesAllArgs, matchesSomeArgs } from './arg-matching.js';
import { matchesText, matchesTrustedText, type RuleEffect } from './patterns.js';

/** Why a grant made on `record` with this scope would be refused, or null when it may be made. */
export function grantScopeProblem(record: ApprovalRecord, match: GrantMatch): string | null {
  if (match.challenges && (record.challenges?.length ?? 0) === 0 && (match.challenges.actions.length === 0 || match.challenges.resources.length === 0)) {
    return 'this request carries no challenges: give match.actions and match.resources, or match on args';
  }
  if (match.challenges && match.challenges.actions.length === 0) return 'match.actions must not be empty';
  return null;
}

const matchesOne = (matchers: readonly TextMatcher[], value: string, effect: RuleEffect) => matchers.some((m) => matchesText(m, value, effect));

/**
 * An allow grant covers challenges when every action and every resource of every one matches; a deny grant when any
 * one challenge has a matching action and (unless it names none) a matching resource. Without challenges to read,
 * the deny grant applies and the allow grant does not.
 */
function challengesCovered(patterns: NonNullable<GrantMatch['challenges']>, challenges: readonly Challenge[], effect: RuleEffect): boolean {
  if (challenges.length === 0) return effect === 'protective';
  const { actions, resources } = patterns;
  if (effect === 'permissive') {
    return challenges.every((c) => c.actions.every((a) => matchesOne(actions, a, effect)) && c.resources.every((r) => matchesOne(resources, r, effect)));
  }
  return challenges.some((c) => c.actions.some((a) => matchesOne(actions, a, effect)) && (resources.length === 0 || c.resources.some((r) => matchesOne(resources, r, effect))));
}

/**
 * Whether a grant covers a request (the queue is the store's filter; liveness the store's too). A deny grant adds
 * protection, so it also covers a request it cannot fully read and one with extra arguments; an allow grant covers
 * only what it can vouch for, every argument included.
 */
export function grantCovers(grant: Pick<Grant, 'effect' | 'match'>, record: ApprovalRecord): boolean {
  const { match } = grant;
  const effect: RuleEffect = grant.effect === 'deny' ? 'protective' : 'permissive';
  if (!matchesTrustedText(match.agent, record.agent.id)) return false;
  if (!matchesText(match.toolName, record.toolName, effect)) return false;
  if (match.onBehalfOf === null ? record.onBehalfOf !== undefined : !matchesText(match.onBehalfOf, record.onBehalfOf, effect)) return false;
  if (match.args && !(effect === 'permissive' ? matchesAllArgs(match.args, record.args) : matchesSomeArgs(match.args, record.args, effect))) return false;
  if (match.challenges && !challengesCovered(match.challenges, record.challenges ?? [], effect)) return false;
  return true;
}

/**
 * The grant that decides a request among the live ones of its queue: a deny grant beats any allow grant; an allow
 * grant never decides a request that needs a quorum (one reviewer's grant must not stand in for several).
 */
export function decidingGrant(grants: readonly Grant[], record: ApprovalRecord): Grant | undefined {
  const covering = grants.filter((g) => g.queue === record.queue && grantCovers(g, record));
  return covering.find((g) => g.effect === 'deny') ?? (record.quorum ? undefined : covering.find((g) => g.effect === 'allow'));
}
