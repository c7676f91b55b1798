import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import type { QueueItem } from '../../domain/queueItem';
import { ALREADY_APPROVED_REASON, quorumProgress } from '../../domain/quorum';
import { unseenReason } from '../../store/reviewSlice';
import { Icon } from '../Icon';
import { useState } from 'react';
import { AllowSimilarForm } from './AllowSimilarForm';
import { ConfirmCritical } from './ConfirmCritical';
import { ReasonField } from './ReasonField';
import { useDecisionBlocker } from './useDecisionBlocker';

/**
 * Approve, Deny, Edit & approve. Disabled while anything stands in the way; the hub's ack decides the outcome.
 * Approve is also held back while part of the arguments is not on screen, and asks for a confirmation on high
 * (a second press) and critical risk (the tool name typed); the `a` key takes the same path.
 */
export function DecisionBar({ item }: { item: QueueItem }) {
  const { store, decisions } = useServices();
  const blocker = useDecisionBlocker(item);
  const unseen = useConsoleStore((s) => (s.review.requestId === item.id ? unseenReason(s.review.unseen) : 'Loading the request…'));
  const confirming = useConsoleStore((s) => (s.confirming?.requestId === item.id ? s.confirming.level : null));
  const decision = useConsoleStore((s) => s.decisions[item.id]);
  const sendingKind = decision?.phase === 'sending' ? decision.kind : null;
  const failure = decision?.phase === 'failed' ? decision.message : null;
  const myId = useConsoleStore((s) => s.principal?.id ?? null);
  const quorum = quorumProgress(item.record, myId);
  const disabled = blocker !== null;
  const approveBlocker = blocker ?? (quorum?.approvedByMe ? ALREADY_APPROVED_REASON : unseen);
  const armed = confirming === 'high';
  const [allowing, setAllowing] = useState<string | null>(null);
  // An allow grant cannot stand in for several reviewers: not offered on a request that needs a quorum.
  const mayAllowSimilar = !item.record.quorum;

  return (
    <footer className="detail-actions">
      {quorum && (
        <p className="quorum-progress" data-testid="quorum-progress">
          {quorum.text}
        </p>
      )}
      <ReasonField />
      {confirming === 'critical' && !disabled && <ConfirmCritical item={item} onConfirm={(typed) => decisions.confirmCritical(item.id, typed)} />}
      <div className="decision-buttons">
        <button
          type="button"
          className={`btn btn-approve${armed ? ' btn-armed' : ''}`}
          disabled={approveBlocker !== null || confirming === 'critical'}
          aria-keyshortcuts="a"
          aria-describedby={`approve-why-${item.id}`}
          onClick={() => decisions.approve(item.id)}
        >
          <Icon name={sendingKind === 'approve' ? 'hourglass' : 'check'} />
          {armed ? 'Confirm approval' : 'Approve'}
          {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: a <kbd> is not focusable; hidden so the name stays the word (aria-keyshortcuts announces the key). */}
          <kbd aria-hidden="true">a</kbd>
        </button>
        <button type="button" className="btn btn-deny" disabled={disabled} aria-keyshortcuts="d" onClick={() => decisions.deny(item.id)}>
          <Icon name={sendingKind === 'deny' ? 'hourglass' : 'x'} />
          Deny
          {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: a <kbd> is not focusable; hidden so the name stays the word (aria-keyshortcuts announces the key). */}
          <kbd aria-hidden="true">d</kbd>
        </button>
        <button type="button" className="btn btn-edit" disabled={disabled} aria-keyshortcuts="e" onClick={() => store.getState().startEditing(item.id)}>
          <Icon name="edit" />
          Edit &amp; approve
          {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: a <kbd> is not focusable; hidden so the name stays the word (aria-keyshortcuts announces the key). */}
          <kbd aria-hidden="true">e</kbd>
        </button>
        {mayAllowSimilar && (
          <button type="button" className="btn btn-ghost" aria-expanded={allowing === item.id} disabled={disabled} onClick={() => setAllowing(allowing === item.id ? null : item.id)}>
            Approve &amp; allow similar…
          </button>
        )}
        {armed && (
          <button type="button" className="btn btn-ghost" onClick={() => store.getState().cancelConfirmation()}>
            Cancel
          </button>
        )}
      </div>
      {mayAllowSimilar && allowing === item.id && (
        <AllowSimilarForm item={item} onClose={() => setAllowing(null)} disabledReason={approveBlocker ?? (confirming === 'critical' ? 'Confirm the tool name first.' : null)} />
      )}
      <p id={`approve-why-${item.id}`} className={`decision-status${failure && !blocker && !armed ? ' decision-failed' : ''}${armed ? ' decision-confirm' : ''}`} aria-live="polite">
        {blocker ??
          (armed
            ? 'High risk: press Approve (or a) again to confirm, or Cancel.'
            : ((quorum?.approvedByMe ? ALREADY_APPROVED_REASON : unseen) ?? (failure ? `Last attempt failed: ${failure}` : '')))}
      </p>
    </footer>
  );
}
