import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import type { QueueItem } from '../../domain/queueItem';
import { ReasonField } from './ReasonField';
import { useDecisionBlocker } from './useDecisionBlocker';
import { Icon } from '../Icon';

/** Approve, Deny, Edit & approve. Disabled while anything stands in the way; the hub's ack decides the outcome. */
export function DecisionBar({ item }: { item: QueueItem }) {
  const { store, decisions } = useServices();
  const blocker = useDecisionBlocker(item);
  const decision = useConsoleStore((s) => s.decisions[item.id]);
  const sendingKind = decision?.phase === 'sending' ? decision.kind : null;
  const failure = decision?.phase === 'failed' ? decision.message : null;
  const disabled = blocker !== null;

  return (
    <footer className="detail-actions">
      <ReasonField />
      <div className="decision-buttons">
        <button type="button" className="btn btn-approve" disabled={disabled} aria-keyshortcuts="a" onClick={() => decisions.approve(item.id)}>
          <Icon name={sendingKind === 'approve' ? 'hourglass' : 'check'} />
          Approve
          <kbd aria-hidden="true">a</kbd>
        </button>
        <button type="button" className="btn btn-deny" disabled={disabled} aria-keyshortcuts="d" onClick={() => decisions.deny(item.id)}>
          <Icon name={sendingKind === 'deny' ? 'hourglass' : 'x'} />
          Deny
          <kbd aria-hidden="true">d</kbd>
        </button>
        <button type="button" className="btn btn-edit" disabled={disabled} aria-keyshortcuts="e" onClick={() => store.getState().startEditing(item.id)}>
          <Icon name="edit" />
          Edit &amp; approve
          <kbd aria-hidden="true">e</kbd>
        </button>
      </div>
      <p className={`decision-status${failure && !blocker ? ' decision-failed' : ''}`} aria-live="polite">
        {blocker ?? (failure ? `Last attempt failed: ${failure}` : '')}
      </p>
    </footer>
  );
}
