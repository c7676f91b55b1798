import { type ApprovalRecord, normalizeMatchers, type Principal } from '@approval-hub/protocol';
import type { EscalationRule, QuorumRule, RuleMatch } from '../config.js';
import { matchesSomeArgs } from './arg-matching.js';
import { matchesPattern, matchesText } from './patterns.js';

/**
 * Whether a quorum or escalation rule's match picks out this request (agent by its token's name, never its label).
 * Both add protection, so a value the rule cannot evaluate counts as matching (docs/protocol.md, "What a matcher
 * means").
 */
export function ruleMatches(match: RuleMatch, principal: Principal, record: ApprovalRecord): boolean {
  if (match.toolName !== undefined && !matchesText(match.toolName, record.toolName, 'protective')) return false;
  if (match.queue !== undefined && !matchesPattern(match.queue, record.queue)) return false;
  if (match.agentName !== undefined && !matchesPattern(match.agentName, principal.name)) return false;
  if (match.args !== undefined && !matchesSomeArgs(normalizeMatchers(match.args), record.args, 'protective')) return false;
  return true;
}

export function quorumRuleFor(rules: readonly QuorumRule[], principal: Principal, record: ApprovalRecord): QuorumRule | undefined {
  return rules.find((rule) => ruleMatches(rule.match, principal, record));
}

/** The first escalation rule for the request, skipping rules that would move it to the queue it is already in. */
export function escalationRuleFor(rules: readonly EscalationRule[], principal: Principal, record: ApprovalRecord): EscalationRule | undefined {
  return rules.find((rule) => rule.toQueue !== record.queue && ruleMatches(rule.match, principal, record));
}

export function escalationRuleName(rule: EscalationRule): string {
  return rule.rule ?? `escalate to ${rule.toQueue}`;
}
