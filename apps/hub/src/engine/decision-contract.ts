import { digestToApprove, fail, type Ack, type ApprovalRecord, type ReviewerDecision } from '@approval-hub/protocol';

/** Every door a reviewer's decision can come through; the audit row of a decision names it (`via`). */
export type DecisionChannel = 'socket' | 'rest' | 'decision_link' | 'email' | 'slack';

/** How a decision arrived, beyond the decision itself. */
export interface DecisionVia {
  channel: DecisionChannel;
  /** The digest signed into the link or button the decision came through: what that message showed. */
  signedArgsDigest?: string | undefined;
  /** The tool name the reviewer typed, on channels where the hub checks the `critical` confirmation. */
  confirmToolName?: string | undefined;
}

/** How `critical` approvals are confirmed on each channel. */
const CRITICAL_CONFIRMATION: Record<DecisionChannel, 'client' | 'typed' | 'refused'> = {
  // The console asks for the typed name before it sends; API clients are programs acting for a signed-in reviewer.
  socket: 'client',
  rest: 'client',
  // The link page sends what was typed, and the hub compares it.
  decision_link: 'typed',
  email: 'typed',
  // A chat button cannot take typed text: Slack sends reviewers to their decision link instead.
  slack: 'refused',
};

/**
 * The contract every approval meets before it counts, whatever door it came through: it names (by digest) the
 * arguments that would run, and carries the confirmation its channel owes for the request's risk. A deny is always
 * accepted: it runs nothing. Null when the decision may proceed.
 */
export function contractRefusal(record: ApprovalRecord, input: Pick<ReviewerDecision, 'approved' | 'argsDigest'>, via: DecisionVia): Ack<never> | null {
  if (!input.approved) return null;
  if (record.risk === 'critical') {
    const confirmation = CRITICAL_CONFIRMATION[via.channel];
    if (confirmation === 'refused') {
      return fail('forbidden', `A critical request cannot be approved from ${via.channel}: open your decision link or the console and type the tool name`, { risk: 'critical' });
    }
    if (confirmation === 'typed' && via.confirmToolName?.trim() !== record.toolName) {
      return fail('invalid_payload', 'A critical request is approved only with its tool name typed (confirmToolName)', { fieldErrors: { confirmToolName: ['must be the tool name'] } });
    }
  }
  const expected = digestToApprove(record);
  const named = input.argsDigest ?? via.signedArgsDigest;
  // Plain clients may name nothing only while the agent's own arguments are what would run.
  if (named === undefined ? record.proposal !== undefined : named !== expected) {
    const message = record.proposal
      ? `Another reviewer (${record.proposal.proposedBy.name}) proposed different arguments; review the proposal and approve it by its argsDigest`
      : 'The approval names arguments that are not the ones that would run; reload the request';
    return fail('proposal_changed', message, { argsDigest: expected, proposal: record.proposal ?? null, record });
  }
  return null;
}
