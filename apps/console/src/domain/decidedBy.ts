import type { ApprovalRecord, ApprovalStatus, DecidedBy } from '@approval-hub/protocol';

/** Who decided, in words; `you` when it was this reviewer. */
export function describeDecider(decidedBy: DecidedBy, myId: string | null): string {
  switch (decidedBy.kind) {
    case 'reviewer':
      return decidedBy.id === myId ? 'you' : decidedBy.name;
    case 'policy':
      return `policy “${decidedBy.rule}”`;
    case 'timeout':
      return 'timeout';
    case 'grant':
      return `a standing grant from ${decidedBy.grantedBy.id === myId ? 'you' : decidedBy.grantedBy.name}`;
  }
}

export const STATUS_LABELS: Record<ApprovalStatus, string> = {
  pending: 'Pending',
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Expired',
  cancelled: 'Cancelled',
};

/** Reads after "was": `approved by Alice`, `denied by policy “no-rm”`, `not decided in time (expired)`, `cancelled by the agent`. */
export function describeOutcome(record: ApprovalRecord, myId: string | null): string {
  const decision = record.decision;
  switch (record.status) {
    case 'expired':
      return 'not decided in time (expired)';
    case 'cancelled':
      return 'cancelled by the agent';
    case 'pending':
      return 'still pending';
    case 'approved':
    case 'denied': {
      const verb = record.status === 'approved' ? (decision?.modified ? 'approved with edited arguments' : 'approved') : 'denied';
      if (!decision) return verb;
      const who = decision.decidedBy.kind === 'timeout' ? 'timeout' : describeDecider(decision.decidedBy, myId);
      const reason = decision.reason ? ` — “${decision.reason}”` : '';
      return `${verb} by ${who}${reason}`;
    }
  }
}

export function isDecidedBy(record: ApprovalRecord, reviewerId: string | null): boolean {
  const by = record.decision?.decidedBy;
  return reviewerId !== null && by?.kind === 'reviewer' && by.id === reviewerId;
}
