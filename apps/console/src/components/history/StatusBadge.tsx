import type { ApprovalStatus } from '@approval-hub/protocol';
import { STATUS_LABELS } from '../../domain/decidedBy';
import { Icon, type IconName } from '../Icon';

const ICON: Record<ApprovalStatus, IconName> = { pending: 'hourglass', approved: 'check', denied: 'x', expired: 'hourglass', cancelled: 'slash' };

/** Status as an icon and a word; the colour only repeats them. */
export function StatusBadge({ status, edited = false }: { status: ApprovalStatus; edited?: boolean }) {
  return (
    <span className={`status status-${status}`}>
      <Icon name={ICON[status]} />
      {STATUS_LABELS[status]}
      {edited && <span className="status-edited"> (edited)</span>}
    </span>
  );
}
