import { MAX_REASON_LENGTH, type ApprovalRecord, type DecisionLinkView } from '@approval-hub/protocol';
import { useCallback, useEffect, useId, useState } from 'react';
import { AgentName } from '../components/AgentName';
import { CallScope } from '../components/detail/CallScope';
import { ContextSection } from '../components/detail/ContextSection';
import { ProposalSection } from '../components/detail/ProposalSection';
import { proposalOf } from '../domain/proposal';
import { SuspiciousWarning } from '../components/detail/SuspiciousWarning';
import { Icon } from '../components/Icon';
import { JsonTree } from '../components/json/JsonTree';
import { RevealContext } from '../components/json/revealTracking';
import { RiskBadge } from '../components/RiskBadge';
import { SafeText } from '../components/text/SafeText';
import { describeOutcome } from '../domain/decidedBy';
import { formatDuration } from '../domain/expiry';
import { confirmationFor } from '../domain/risk';
import type { DecisionLinkClient, LinkAnswer } from './decisionLinkClient';
import { useLocalReveal } from './useLocalReveal';
import { runInBackground } from '../domain/runInBackground';

/** Sends a decision; resolves with a failure to show, or null. */
type OnDecide = (approved: boolean, reason: string, confirmToolName?: string) => Promise<string | null>;

/** What the page shows: the request and what the link can still do, or why there is nothing to show. */
type PageState =
  | { kind: 'loading' }
  | { kind: 'refused'; code: 'unauthorized' | 'expired' | 'not_found' | 'other'; message: string }
  | { kind: 'request'; view: DecisionLinkView; decidedNow: boolean };

function refusal(answer: Extract<LinkAnswer<unknown>, { ok: false }>): PageState {
  const code = answer.code === 'unauthorized' || answer.code === 'expired' || answer.code === 'not_found' ? answer.code : 'other';
  return { kind: 'refused', code, message: answer.message };
}

const REFUSED: Record<Extract<PageState, { kind: 'refused' }>['code'], { title: string; text: string }> = {
  unauthorized: { title: 'This link is not valid', text: 'It may have been revoked or replaced by a newer one, or it was copied incompletely. Nothing was decided. Decide in the console instead.' },
  expired: { title: 'This link has expired', text: 'Links stop working at the request’s deadline. Nothing was decided through it.' },
  not_found: { title: 'This request is not available to you', text: 'You may no longer review its queue. Nothing was decided.' },
  other: { title: 'The request could not be loaded', text: 'Check your connection and try again.' },
};

/** Time left by the hub's clock (offset measured when the page loaded), ticking each second. */
function useSecondsUntil(untilIso: string, serverTimeIso: string): number {
  const [offset] = useState(() => Date.parse(serverTimeIso) - Date.now());
  const read = useCallback(() => Math.max(0, Math.ceil((Date.parse(untilIso) - (Date.now() + offset)) / 1000)), [untilIso, offset]);
  const [seconds, setSeconds] = useState(read);
  useEffect(() => {
    const timer = setInterval(() => setSeconds(read()), 1000);
    return () => clearInterval(timer);
  }, [read]);
  return seconds;
}

function LinkExpiry({ view }: { view: DecisionLinkView }) {
  const seconds = useSecondsUntil(view.linkExpiresAt, view.serverTime);
  return (
    <p className="link-expiry">
      <Icon name="clock" /> {seconds > 0 ? `Link works for ${formatDuration(seconds)}` : 'Link expired'}
    </p>
  );
}

function RequestFacts({ record }: { record: ApprovalRecord }) {
  return (
    <dl className="link-facts">
      <div>
        <dt>Agent</dt>
        <dd>
          <AgentName record={record} />
        </dd>
      </div>
      <div>
        <dt>Queue</dt>
        <dd>
          <SafeText text={record.queue} />
        </dd>
      </div>
      <div>
        <dt>Run</dt>
        <dd className="mono">
          <SafeText text={record.runId} />
        </dd>
      </div>
      <div>
        <dt>Request</dt>
        <dd className="mono">
          <SafeText text={record.requestId} />
        </dd>
      </div>
    </dl>
  );
}

/** Where the request stands when this link no longer decides it. */
function Outcome({ view, decidedNow }: { view: DecisionLinkView; decidedNow: boolean }) {
  const record = view.record;
  const approved = record.status === 'approved';
  if (decidedNow) {
    return (
      <div className={`link-outcome ${approved ? 'link-outcome-approved' : 'link-outcome-denied'}`} role="status">
        <h2>
          <Icon name={approved ? 'check' : 'x'} /> {approved ? 'You approved this request' : 'You denied this request'}
        </h2>
        <p>The agent has been told. This link cannot be used again.</p>
      </div>
    );
  }
  if (view.state === 'used') {
    return (
      <div className="link-outcome" role="status">
        <h2>This link was already used</h2>
        <p>
          The request was <SafeText text={describeOutcome(record, null)} />. A link decides once.
        </p>
      </div>
    );
  }
  if (view.state === 'decided_elsewhere') {
    return (
      <div className="link-outcome" role="status">
        <h2>Already decided elsewhere</h2>
        <p>
          The request was <SafeText text={describeOutcome(record, null)} />. Nothing more to do here.
        </p>
      </div>
    );
  }
  return (
    <div className="link-outcome link-outcome-warning" role="status">
      <h2>The arguments changed</h2>
      <p>They are not the ones this link was sent for, so it cannot decide. Review the request in the console.</p>
    </div>
  );
}

function DecisionForm({ view, unseen, onDecide }: { view: DecisionLinkView; unseen: string | null; onDecide: OnDecide }) {
  const record = view.record;
  const reasonId = useId();
  const confirmId = useId();
  const [reason, setReason] = useState('');
  const [sending, setSending] = useState<'approve' | 'deny' | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [armed, setArmed] = useState(false);
  const [typed, setTyped] = useState('');
  const confirmation = confirmationFor(record);

  const send = async (approved: boolean) => {
    setSending(approved ? 'approve' : 'deny');
    // The hub checks the typed tool name of a critical approval itself.
    setFailure(await onDecide(approved, reason.trim(), approved && confirmation === 'type-name' ? typed.trim() : undefined));
    setSending(null);
  };
  const approve = () => {
    if (confirmation === 'second-press' && !armed) return setArmed(true);
    if (confirmation === 'type-name' && typed.trim() !== record.toolName) return setArmed(true);
    runInBackground(send(true));
  };
  const approveBlocked = unseen !== null || sending !== null || (confirmation === 'type-name' && armed && typed.trim() !== record.toolName);

  return (
    <footer className="link-actions">
        <div className="field reason">
          <label htmlFor={reasonId}>
            Reason <span className="muted">(optional, sent to the agent)</span>
          </label>
          <textarea id={reasonId} rows={2} maxLength={MAX_REASON_LENGTH} value={reason} placeholder="Why? The agent receives this with your decision." onChange={(e) => setReason(e.target.value)} />
        </div>
        {armed && confirmation === 'type-name' && (
          <div className="confirm confirm-critical">
            <label htmlFor={confirmId}>
              <strong>Critical risk.</strong> Type the tool name{' '}
              <code className="confirm-name">
                <SafeText text={record.toolName} />
              </code>{' '}
              to approve.
            </label>
            <input id={confirmId} className="confirm-input" autoComplete="off" autoCapitalize="off" spellCheck={false} value={typed} onChange={(e) => setTyped(e.target.value)} aria-invalid={typed !== '' && typed.trim() !== record.toolName} />
          </div>
        )}
        <div className="link-buttons">
          <button type="button" className={`btn btn-approve${armed && confirmation === 'second-press' ? ' btn-armed' : ''}`} disabled={approveBlocked} aria-describedby="link-status" onClick={approve}>
            <Icon name={sending === 'approve' ? 'hourglass' : 'check'} />
            {armed && confirmation === 'second-press' ? 'Confirm approval' : armed && confirmation === 'type-name' ? 'Approve critical request' : 'Approve'}
          </button>
          <button type="button" className="btn btn-deny" disabled={sending !== null} onClick={() => runInBackground(send(false))}>
            <Icon name={sending === 'deny' ? 'hourglass' : 'x'} />
            Deny
          </button>
          {armed && (
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => {
                setArmed(false);
                setTyped('');
              }}
            >
              Cancel
            </button>
          )}
        </div>
        <p id="link-status" className={`decision-status${failure ? ' decision-failed' : ''}${armed ? ' decision-confirm' : ''}`} aria-live="polite">
          {unseen ?? (armed && confirmation === 'second-press' ? 'High risk: press “Confirm approval” to approve, or Cancel.' : (failure ?? ''))}
        </p>
      </footer>
  );
}

/**
 * The page a signed decision link opens (`/d/<token>`): no sign-in, one request, Approve and Deny. Mobile first: one
 * column, the arguments before the buttons, the buttons in a bar that stays on screen.
 */
export function DecisionLinkPage({ token, client }: { token: string; client: DecisionLinkClient }) {
  const [state, setState] = useState<PageState>({ kind: 'loading' });

  const load = useCallback(async (decidedNow = false) => {
    const answer = await client.view(token);
    setState(answer.ok ? { kind: 'request', view: answer.data, decidedNow } : refusal(answer));
  }, [client, token]);

  useEffect(() => {
    runInBackground(load());
  }, [load]);

  const decide: OnDecide = async (approved, reason, confirmToolName) => {
    const answer = await client.decide(token, { approved, ...(reason ? { reason } : {}), ...(confirmToolName !== undefined && { confirmToolName }) });
    if (answer.ok) {
      setState((current) => (current.kind === 'request' ? { kind: 'request', view: { ...current.view, record: answer.data, state: 'used', usable: false }, decidedNow: true } : current));
      return null;
    }
    if (answer.code === 'network' || answer.code === 'rate_limited' || answer.code === 'internal' || answer.code === 'invalid_payload' || answer.code === 'bad_response') return answer.message;
    // Used, decided elsewhere, arguments changed, expired, revoked: the hub's own view says which.
    await load();
    return null;
  };

  return (
    <div className="link-page">
      <header className="link-topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ✓
          </span>
          <span>Approval Hub</span>
        </div>
        <a className="btn btn-ghost" href="/#/queue">
          Open console
        </a>
      </header>
      <main className="link-main">
        {state.kind === 'loading' && <p className="muted">Loading the request…</p>}
        {state.kind === 'refused' && (
          <div className="link-outcome link-outcome-warning" role="alert">
            <h1>{REFUSED[state.code].title}</h1>
            <p>{REFUSED[state.code].text}</p>
            {state.code === 'other' && <p className="muted small">Hub said: {state.message}</p>}
          </div>
        )}
        {state.kind === 'request' && <LinkRequest view={state.view} decidedNow={state.decidedNow} onDecide={decide} />}
      </main>
    </div>
  );
}

function LinkRequest({ view, decidedNow, onDecide }: { view: DecisionLinkView; decidedNow: boolean; onDecide: OnDecide }) {
  const record = view.record;
  const proposal = record.status === 'pending' ? proposalOf(record) : null;
  const { tracker, unseen } = useLocalReveal(view.usable ? record : null);
  return (
    <article className="link-request" aria-label="Request">
      <header className="link-head">
        <p className="eyebrow">
          {view.usable ? 'Decide as' : 'Sent to'} <SafeText text={view.reviewer.name} />
        </p>
        <h1 className="detail-tool">
          <SafeText text={record.toolName} />
        </h1>
        <p className="detail-risk">
          <RiskBadge record={record} long />
        </p>
        {record.summary && (
          <p className="detail-summary">
            <SafeText text={record.summary} />
          </p>
        )}
        {view.usable && <LinkExpiry view={view} />}
      </header>
      {!view.usable && <Outcome view={view} decidedNow={decidedNow} />}
      <SuspiciousWarning record={record} />
      {/* On a phone the arguments come first: they are what is decided; a pending edit first of all, as it would run. */}
      <RevealContext.Provider value={view.usable ? tracker : null}>
        {proposal && <ProposalSection record={record} proposal={proposal} myId={view.reviewer.id} />}
        <section className="detail-section" aria-label="Arguments">
          <h3>{proposal ? 'Arguments the agent sent (replaced by the edit above)' : 'Arguments'}</h3>
          <JsonTree value={record.args} />
        </section>
      </RevealContext.Provider>
      <CallScope record={record} />
      <RequestFacts record={record} />
      <ContextSection record={record} />
      {record.description && (
        <section className="detail-section" aria-label="Description">
          <h3>Tool description</h3>
          <p className="description">
            <SafeText text={record.description} />
          </p>
        </section>
      )}
      {view.usable && <DecisionForm view={view} unseen={unseen} onDecide={onDecide} />}
    </article>
  );
}
