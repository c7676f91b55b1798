import { useState } from 'react';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { proposalOf } from '../../domain/proposal';
import type { QueueItem } from '../../domain/queueItem';
import { ALREADY_APPROVED_REASON, quorumProgress } from '../../domain/quorum';
import { unseenReason } from '../../store/reviewSlice';
import { Icon } from '../Icon';
import { AllowSimilarForm } from './AllowSimilarForm';
import { ConfirmCritical } from './ConfirmCritical';
import { ReasonField } from './ReasonField';
import { useDecisionBlocker, useSettling } from './useDecisionBlocker';

/**
 * Approve, Deny, Edit & approve, Approve & allow similar. Disabled while anything stands in the way; the hub's ack
 * decides the outcome. Approve is also held back while part of the arguments is not on screen, and asks for a
 * confirmation on high (a second press of the same button) and critical risk (the tool name typed); the `a` key takes
 * the same path. Every decision waits until the request has been on screen for a moment (`aria-disabled` meanwhile).
 */
export function DecisionBar({ item }: { item: QueueItem }) {
  const { store, decisions } = useServices();
  const blocker = useDecisionBlocker(item);
  const settling = useSettling(item);
  const unseen = useConsoleStore((s) => (s.review.requestId === item.id ? unseenReason(s.review.unseen) : 'Loading the request…'));
  const confirming = useConsoleStore((s) => (s.confirming?.requestId === item.id ? s.confirming : null));
  const decision = useConsoleStore((s) => s.decisions[item.id]);
  const sendingKind = decision?.phase === 'sending' ? decision.kind : null;
  const failure = decision?.phase === 'failed' ? decision.message : null;
  const myId = useConsoleStore((s) => s.principal?.id ?? null);
  const quorum = quorumProgress(item.record, myId);
  const proposed = proposalOf(item.record) !== null;
  const disabled = blocker !== null;
  const approveBlocker = blocker ?? (quorum?.approvedByMe ? ALREADY_APPROVED_REASON : unseen);
  const armedHere = confirming?.action === 'approve' ? confirming.level : null;
  const grantArmed = confirming?.action === 'grant';
  const [allowing, setAllowing] = useState<string | null>(null);
  // An allow grant cannot stand in for several reviewers: not offered on a request that needs a quorum.
  const mayAllowSimilar = !item.record.quorum;
  const approveLabel = armedHere === 'high' ? 'Confirm approval' : 'Approve';

  const status =
    blocker ??
    (armedHere === 'high'
      ? `High risk: press “Confirm approval” to approve${proposed ? ' the edited arguments' : ''}, or Cancel.`
      : grantArmed && confirming?.level === 'high'
        ? 'High risk: press “Confirm: approve & allow similar” below to approve with the grant, or Cancel.'
        : ((quorum?.approvedByMe ? ALREADY_APPROVED_REASON : unseen) ?? (failure ? `Last attempt failed: ${failure}` : '')));

  return (
    <footer className="detail-actions" data-settling={settling ? 'true' : 'false'}>
      {quorum && (
        <p className="quorum-progress" data-testid="quorum-progress">
          {quorum.text}
        </p>
      )}
      <ReasonField />
      {armedHere === 'critical' && !disabled && <ConfirmCritical item={item} onConfirm={(typed) => decisions.confirmCritical(item.id, typed)} />}
      <div className="decision-buttons">
        <button
          type="button"
          className={`btn btn-approve${armedHere === 'high' ? ' btn-armed' : ''}`}
          disabled={approveBlocker !== null || armedHere === 'critical'}
          aria-disabled={settling || undefined}
          aria-keyshortcuts="a"
          aria-describedby={`approve-why-${item.id}`}
          onClick={() => decisions.approve(item.id)}
        >
          <Icon name={sendingKind === 'approve' ? 'hourglass' : 'check'} />
          {approveLabel}
          {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: a <kbd> is not focusable; hidden so the name stays the word (aria-keyshortcuts announces the key). */}
          <kbd aria-hidden="true">a</kbd>
        </button>
        <button type="button" className="btn btn-deny" disabled={disabled} aria-disabled={settling || undefined} aria-keyshortcuts="d" onClick={() => decisions.deny(item.id)}>
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
          <button type="button" className="btn btn-ghost btn-allow" aria-expanded={allowing === item.id} disabled={disabled} onClick={() => setAllowing(allowing === item.id ? null : item.id)}>
            Approve &amp; allow similar…
          </button>
        )}
        {armedHere !== null && (
          <button type="button" className="btn btn-ghost" onClick={() => store.getState().cancelConfirmation()}>
            Cancel
          </button>
        )}
      </div>
      {mayAllowSimilar && allowing === item.id && <AllowSimilarForm item={item} onClose={() => setAllowing(null)} blocker={approveBlocker} settling={settling} />}
      <p
        id={`approve-why-${item.id}`}
        className={`decision-status${failure && !blocker && !armedHere ? ' decision-failed' : ''}${armedHere || grantArmed ? ' decision-confirm' : ''}`}
        aria-live="polite"
      >
        {status}
      </p>
    </footer>
  );
}
