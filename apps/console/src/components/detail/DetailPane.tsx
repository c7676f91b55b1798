import { type RefObject, useEffect, useMemo, useRef } from 'react';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import type { QueueItem } from '../../domain/queueItem';
import { JsonTree } from '../json/JsonTree';
import { Countdown } from '../queue/Countdown';
import { ArgsEditor } from './ArgsEditor';
import { DecisionBar } from './DecisionBar';
import { RequestMeta } from './RequestMeta';
import { Icon } from '../Icon';
import { RevealContext, revealMemory, type RevealTracker } from '../json/revealTracking';
import { RiskBadge } from '../RiskBadge';
import { SafeText } from '../text/SafeText';
import { ContextSection } from './ContextSection';
import { CallScope } from './CallScope';
import { ProposalSection } from './ProposalSection';
import { proposalOf } from '../../domain/proposal';
import { digestOf } from '../../store/reviewSlice';
import { SuspiciousWarning } from './SuspiciousWarning';

function DepartedBanner() {
  const { store } = useServices();
  const note = useConsoleStore((s) => s.departedNote);
  if (!note) return null;
  return (
    <div className="departed" aria-live="polite">
      <Icon name="undo" />
      <p>
        <strong>
          <SafeText text={note.toolName} />
        </strong>{' '}
        left the queue: {note.text}.
      </p>
      <button type="button" className="notice-close" aria-label="Dismiss" onClick={() => store.getState().dismissDepartedNote()}>
        ×
      </button>
    </div>
  );
}

function CopyArgs({ item }: { item: QueueItem }) {
  const { store } = useServices();
  const copy = () => {
    navigator.clipboard
      .writeText(JSON.stringify(item.record.args, null, 2))
      .then(() => store.getState().pushNotice('success', 'Arguments copied as JSON.'))
      .catch(() => store.getState().pushNotice('warning', 'The browser did not allow copying.'));
  };
  return (
    <button type="button" className="btn btn-small btn-ghost" onClick={copy}>
      Copy JSON
    </button>
  );
}

function Review({ item }: { item: QueueItem }) {
  const { store } = useServices();
  const r = item.record;
  const myId = useConsoleStore((s) => s.principal?.id ?? null);
  const proposal = proposalOf(r);
  // The arguments report what of them is not on screen; Approve stays disabled until nothing is.
  const tracker = useMemo<RevealTracker>(
    () => ({ report: (path, what) => store.getState().reportUnseen(item.id, path, what), ...revealMemory(r) }),
    [store, item.id, r],
  );
  return (
    <>
      <div className="detail-body">
        <SuspiciousWarning record={r} />
        <RevealContext.Provider value={tracker}>
          {proposal && <ProposalSection record={r} proposal={proposal} myId={myId} />}
          <ContextSection record={r} />
          <section className="detail-section" aria-label="Arguments">
            <div className="section-head">
              <h3>{proposal ? 'Arguments the agent sent (replaced by the edit above)' : 'Arguments'}</h3>
              <CopyArgs item={item} />
            </div>
            <JsonTree value={r.args} />
          </section>
        </RevealContext.Provider>
        <CallScope record={r} />
        {r.description && (
          <section className="detail-section" aria-label="Description">
            <h3>Tool description</h3>
            <p className="description">
              <SafeText text={r.description} />
            </p>
          </section>
        )}
        <RequestMeta item={item} />
      </div>
      <DecisionBar item={item} />
    </>
  );
}

/** Focus that would be lost with the previous request's controls goes to the new request's heading, never to a button. */
function useFocusOnArrival(heading: RefObject<HTMLHeadingElement | null>) {
  useEffect(() => {
    const active = document.activeElement;
    // The previous request's button that had focus left with it; a reviewer elsewhere (a row, the search) keeps focus.
    if (active === null || active === document.body || !document.contains(active)) heading.current?.focus({ preventScroll: true });
  }, [heading]);
}

function RequestDetail({ id }: { id: string }) {
  const { store } = useServices();
  const item = useConsoleStore((s) => s.items.get(id));
  const editing = useConsoleStore((s) => s.editingId === id);
  const digest = item ? digestOf(item.record) : null;
  const heading = useRef<HTMLHeadingElement>(null);
  // A new request on screen, or new arguments that would run: nothing of it counts as seen, no confirmation carries
  // over, and decisions wait for the dwell.
  useEffect(() => store.getState().beginReview(id), [store, id, digest]);
  useFocusOnArrival(heading);
  if (!item) return null;
  return (
    <>
      <header className="detail-head">
        {/* Shown on a phone only, where the open request covers the list. */}
        <button type="button" className="btn btn-ghost detail-back" onClick={() => store.getState().select(null)}>
          <span aria-hidden="true">←</span> Back to queue
        </button>
        <div className="detail-title">
          <p className="eyebrow">{editing ? 'Edit & approve' : 'Pending request'}</p>
          <h2 className="detail-tool" ref={heading} tabIndex={-1}>
            <SafeText text={item.record.toolName} />
          </h2>
          <p className="detail-risk">
            <RiskBadge record={item.record} long />
          </p>
          {item.record.summary && (
            <p className="detail-summary">
              <SafeText text={item.record.summary} />
            </p>
          )}
        </div>
        <Countdown expiresMs={item.expiresMs} large />
      </header>
      {editing ? <ArgsEditor item={item} /> : <Review item={item} />}
    </>
  );
}

export function DetailPane() {
  const selectedId = useConsoleStore((s) => s.selectedId);
  const count = useConsoleStore((s) => s.visibleIds.length);
  return (
    <section aria-label="Request details" className="detail">
      <DepartedBanner />
      {selectedId ? (
        <RequestDetail key={selectedId} id={selectedId} />
      ) : (
        <div className="detail-empty">
          <p className="empty-title">No request selected</p>
          <p className="muted">
            {count > 0 ? (
              <>
                Pick one from the list<span className="keyboard-hint">, or press <kbd>j</kbd> to start at the top</span>.
              </>
            ) : (
              'Requests appear here as agents ask.'
            )}
          </p>
          <p className="muted small keyboard-hint">
            Press <kbd>?</kbd> for all keyboard shortcuts.
          </p>
        </div>
      )}
    </section>
  );
}
