import type { AuditActor, AuditType } from '@approval-hub/protocol';

export const AUDIT_TYPE_LABELS: Record<AuditType, string> = {
  requested: 'Requested',
  auto_approved: 'Approved by policy',
  auto_denied: 'Denied by policy',
  decided: 'Decided',
  decision_rejected: 'Decision rejected',
  expired: 'Expired',
  cancelled: 'Cancelled',
  delivered: 'Delivered to the agent',
  input_rejected: 'Input rejected',
  purged: 'Purged by retention',
  grant_created: 'Standing grant made',
  grant_used: 'Decided by a standing grant',
  grant_revoked: 'Standing grant revoked',
  quorum_approved: 'Approval counted toward quorum',
  escalated: 'Escalated to another queue',
};

export function describeActor(actor: AuditActor): string {
  switch (actor.kind) {
    case 'agent':
      return `agent ${actor.name}`;
    case 'reviewer':
      return `reviewer ${actor.name}`;
    case 'policy':
      return `policy “${actor.rule}”`;
    case 'timeout':
      return 'timeout';
    case 'hub':
      return 'hub';
    case 'grant':
      return `grant from ${actor.grantedBy.name}`;
  }
}

/** A short one-line view of an audit entry's data (untrusted, shown as text). */
export function auditDataPreview(data: unknown, max = 200): string {
  if (data === undefined || data === null) return '';
  let text: string;
  try {
    text = typeof data === 'string' ? data : JSON.stringify(data);
  } catch {
    return '';
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length.toLocaleString()} characters)` : text;
}
