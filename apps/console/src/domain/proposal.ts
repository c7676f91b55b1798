import type { ApprovalRecord, JsonObject } from '@approval-hub/protocol';

/** A reviewer's edit that would run instead of the agent's arguments, as the detail pane shows it. */
export interface ShownProposal {
  readonly args: JsonObject;
  /** Who proposed it; null only when an older hub sent the edited arguments without their author. */
  readonly proposedBy: { readonly id: string; readonly name: string } | null;
  readonly proposedAt: string | null;
}

/**
 * The pending proposal: `record.proposal`, or, from a hub that does not send one yet, the edited arguments of the
 * quorum (whose first approval is the edit's author: an edit starts the count again).
 */
export function proposalOf(record: ApprovalRecord): ShownProposal | null {
  if (record.proposal) return { args: record.proposal.args, proposedBy: record.proposal.proposedBy, proposedAt: record.proposal.proposedAt };
  const edited = record.quorum?.args;
  if (!edited) return null;
  const first = record.quorum?.approvals[0];
  return { args: edited, proposedBy: first ? { id: first.id, name: first.name } : null, proposedAt: first?.at ?? null };
}

/** The arguments that run if this request is approved now: the pending proposal's, else the agent's own. */
export function argsToRun(record: ApprovalRecord): JsonObject {
  return proposalOf(record)?.args ?? record.args;
}

/** "Bob", "you", or "a reviewer" (an older hub that did not say who). */
export function proposerName(proposal: ShownProposal, myId: string | null): string {
  if (!proposal.proposedBy) return 'a reviewer';
  return proposal.proposedBy.id === myId ? 'you' : proposal.proposedBy.name;
}
