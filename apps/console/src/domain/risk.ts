import { type ApprovalRecord, type RiskLevel, riskRank } from '@approval-hub/protocol';

/** A request's risk as the console shows it; `unrated` when neither the agent nor a hub rule gave one. */
export type RiskDisplay = RiskLevel | 'unrated';

export const RISK_FILTER_ORDER: readonly RiskDisplay[] = ['critical', 'high', 'medium', 'low', 'unrated'];

export const RISK_LABEL: Record<RiskDisplay, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  unrated: 'Unrated',
};

export function riskOf(record: ApprovalRecord): RiskDisplay {
  return record.risk ?? 'unrated';
}

/** Higher first: critical 4 … low 1; unrated counts as between low and medium (unknown is not safe). */
export function riskWeight(record: ApprovalRecord): number {
  return record.risk === undefined ? 1.5 : riskRank(record.risk) + 1;
}

/** What approving asks for first: nothing, a second press (high) or the tool name typed (critical). */
export function confirmationFor(record: ApprovalRecord): 'none' | 'second-press' | 'type-name' {
  if (record.risk === 'critical') return 'type-name';
  if (record.risk === 'high') return 'second-press';
  return 'none';
}
