import { higherRisk, riskRank, type ApprovalRecord, type Principal, type RiskLevel } from '@approval-hub/protocol';
import type { RiskRule } from '../config.js';

export interface EffectiveRisk {
  /** The agent's level, raised to the highest matching rule's; never below the agent's. */
  risk: RiskLevel | undefined;
  /** The rule that raised it, when one did. */
  raisedBy: string | undefined;
}

function globMatches(pattern: string, value: string): boolean {
  if (pattern === '*' || pattern === value) return true;
  if (!pattern.includes('*')) return false;
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}$`).test(value);
}

function ruleMatches(rule: RiskRule, principal: Principal, record: ApprovalRecord): boolean {
  const exact = (pattern: string | undefined, value: string) => pattern === undefined || pattern === '*' || pattern === value;
  const { match } = rule;
  if (match.toolName !== undefined && !globMatches(match.toolName, record.toolName)) return false;
  if (!exact(match.principal, principal.id) || !exact(match.agentName, principal.name) || !exact(match.queue, record.queue)) return false;
  if (match.args) {
    for (const [key, expected] of Object.entries(match.args)) {
      if (!Object.hasOwn(record.args, key) || record.args[key] !== expected) return false;
    }
  }
  return true;
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
