import type { ApprovalRecord, Proposal } from '@approval-hub/protocol';
import { argsDigest } from './args-digest.js';

/**
 * The edit that would run if the quorum completes, read from the quorum as stored: an edit restarts the count with its
 * proposer's approval alone, so the first approval of a quorum that carries `args` is the proposer's.
 */
export function pendingProposal(record: ApprovalRecord): Proposal | undefined {
  const quorum = record.quorum;
  const proposer = quorum?.approvals[0];
  if (record.status !== 'pending' || quorum?.args === undefined || !proposer) return undefined;
  return { args: quorum.args, argsDigest: argsDigest(quorum.args), proposedBy: { id: proposer.id, name: proposer.name }, proposedAt: proposer.at };
}

/**
 * The record with the terms a decision names: `argsDigest` of the agent's arguments and, while an edit waits for more
 * approvals, the `proposal` that would run. Derived on every read (never stored), so no reader sees them disagree.
 */
export function withDecisionTerms(record: ApprovalRecord): ApprovalRecord {
  // Always in the same place (last): a record reads the same, key for key, however it was made.
  const { proposal: _stale, argsDigest: known, ...rest } = record;
  const proposal = pendingProposal(record);
  return { ...rest, argsDigest: known ?? argsDigest(record.args), ...(proposal && { proposal }) };
}
