import type { ApprovalRecord } from '@approval-hub/protocol';

type WhoAsked = Pick<ApprovalRecord, 'agent' | 'agentName'>;

/**
 * The label the agent chose, when it is not its authenticated name: a claim, never an identity (an
 * untrusted agent can call itself "trusted-ci"). Null when the two agree.
 */
export function claimedAgentName(record: WhoAsked): string | null {
  return record.agentName !== record.agent.name ? record.agentName : null;
}

/** Who asked, for sentences (notices, notifications): `ops-bot (claims “trusted-ci”)`, or just `ops-bot`. */
export function describeAgent(record: WhoAsked): string {
  const claimed = claimedAgentName(record);
  return claimed === null ? record.agent.name : `${record.agent.name} (claims “${claimed}”)`;
}
