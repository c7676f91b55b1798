import type { ApprovalRecord } from '@approval-hub/protocol';

export interface QuorumProgress {
  /** "1 of 2 approvals — approved by Alice" */
  readonly text: string;
  readonly approvedByMe: boolean;
}

/** Where a request that needs several approvals stands; null for a request one approval decides. */
export function quorumProgress(record: ApprovalRecord, myId: string | null): QuorumProgress | null {
  const quorum = record.quorum;
  if (!quorum) return null;
  const count = quorum.approvals.length;
  const names = quorum.approvals.map((a) => (a.id === myId ? 'you' : a.name));
  const by = count > 0 ? ` — approved by ${names.join(', ')}` : '';
  const edited = quorum.args !== undefined ? ' (of edited arguments)' : '';
  return { text: `${count} of ${quorum.required} approvals${edited}${by}`, approvedByMe: myId !== null && quorum.approvals.some((a) => a.id === myId) };
}

export const ALREADY_APPROVED_REASON = 'You already approved this request: it needs an approval from another reviewer.';
