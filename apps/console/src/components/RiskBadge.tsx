import type { ApprovalRecord } from '@approval-hub/protocol';
import { RISK_LABEL, riskOf } from '../domain/risk';

const ICON: Record<ReturnType<typeof riskOf>, string> = { critical: '‼', high: '!', medium: '•', low: '·', unrated: '?' };

/** The risk as words and colour (never colour alone); says when a hub rule raised the agent's own level. */
export function RiskBadge({ record, long = false }: { record: ApprovalRecord; long?: boolean }) {
  const risk = riskOf(record);
  const raised = record.riskRule !== undefined;
  const title = raised ? `Raised by hub rule “${record.riskRule}” (agent said ${record.agentRisk ?? 'nothing'})` : record.agentRisk ? 'As stated by the agent' : risk === 'unrated' ? 'Neither the agent nor a hub rule gave a risk' : undefined;
  return (
    <span className={`risk risk-${risk}`} title={title} data-risk={risk}>
      <span aria-hidden="true" className="risk-icon">
        {ICON[risk]}
      </span>
      {risk === 'unrated' ? 'Risk unrated' : `${RISK_LABEL[risk]} risk`}
      {long && raised && <span className="risk-raised"> · raised by hub rule “{record.riskRule}” (agent: {record.agentRisk ?? 'none'})</span>}
    </span>
  );
}
