import type { ApprovalRecord } from '@approval-hub/protocol';
import { claimedAgentName } from '../domain/agentIdentity';
import { SafeText, safeString } from './text/SafeText';

/**
 * Who asked: the token's principal first, and the agent's own label only when it differs, as secondary
 * text marked as a claim (`ops-bot · claims “trusted-ci”`). Both are plain text: the agent chose one of them.
 */
export function AgentName({ record }: { record: Pick<ApprovalRecord, 'agent' | 'agentName'> }) {
  const claimed = claimedAgentName(record);
  return (
    <>
      <span className="agent-name" title={safeString(`Authenticated agent ${record.agent.name} (${record.agent.id})`)}>
        <SafeText text={record.agent.name} />
      </span>
      {claimed !== null && (
        <span className="agent-claim">
          {' '}
          · claims “<SafeText text={claimed} />”
        </span>
      )}
    </>
  );
}
