import { higherRisk, normalizeMatchers, riskRank, type ApprovalRecord, type Principal, type RiskLevel } from '@approval-hub/protocol';
import type { RiskRule } from '../config.js';
import { matchesSomeArgs } from './arg-matching.js';
import { matchesText } from './patterns.js';

export interface EffectiveRisk {
  /** The agent's level, raised to the highest matching rule's; never below the agent's. */
  risk: RiskLevel | undefined;
  /** The rule that raised it, when one did. */
  raisedBy: string | undefined;
}

/** A risk raise adds protection, so a value it cannot evaluate counts as matching (docs/protocol.md). */
function ruleMatches(rule: RiskRule, principal: Principal, record: ApprovalRecord): boolean {
  const exact = (pattern: string | undefined, value: string) => pattern === undefined || pattern === '*' || pattern === value;
  const { match } = rule;
  if (match.toolName !== undefined && !matchesText(match.toolName, record.toolName, 'protective')) return false;
  if (!exact(match.principal, principal.id) || !exact(match.agentName, principal.name) || !exact(match.queue, record.queue)) return false;
  return match.args === undefined || matchesSomeArgs(normalizeMatchers(match.args), record.args, 'protective');
}

export function describeRule(rule: RiskRule): string {
  if (rule.rule) return rule.rule;
  const parts = Object.entries(rule.match).map(([key, value]) => `${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`);
  return `${parts.join(', ')} → ${rule.risk}`;
}

/**
 * The risk reviewers go by. Hub rules only ever raise: the result is the highest of the agent's level and every
 * matching rule's, so an agent that understates its risk is corrected and one that overstates it is believed.
 */
export function effectiveRisk(rules: readonly RiskRule[], principal: Principal, record: ApprovalRecord, agentRisk: RiskLevel | undefined): EffectiveRisk {
  let risk = agentRisk;
  let raisedBy: string | undefined;
  for (const rule of rules) {
    if (!ruleMatches(rule, principal, record)) continue;
    if (risk === undefined || riskRank(rule.risk) > riskRank(risk)) {
      risk = higherRisk(risk, rule.risk);
      raisedBy = describeRule(rule);
    }
  }
  return { risk, raisedBy };
}
