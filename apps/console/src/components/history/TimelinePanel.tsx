import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { AgentName } from '../AgentName';
import { Icon } from '../Icon';
import { describeOutcome } from '../../domain/decidedBy';
import { formatElapsed, toHistoryRow } from '../../domain/historyRow';
import { formatTimestamp } from '../../domain/timeFormat';
import { JsonTree } from '../json/JsonTree';
import { AUDIT_TYPE_LABELS, auditDataPreview, describeActor } from './auditText';
import { StatusBadge } from './StatusBadge';
import { RiskBadge } from '../RiskBadge';
import { SafeText } from '../text/SafeText';
import { SuspiciousWarning } from '../detail/SuspiciousWarning';
import { ContextSection } from '../detail/ContextSection';

/** One request's record and full audit timeline, from `GET /api/approvals/:id`. */
export function TimelinePanel() {
  const { store } = useServices();
  const timeline = useConsoleStore((s) => s.timeline);
  const myId = useConsoleStore((s) => s.principal?.id ?? null);
  if (timeline.requestId === null) return null;
  const detail = timeline.detail;

  return (
    <section className="timeline" aria-label="Request timeline">
      <header className="timeline-head">
        <div>
          <p className="eyebrow">Timeline</p>
          <h2 className="mono break">
            <SafeText text={detail?.toolName ?? timeline.requestId} />
          </h2>
        </div>
        <button type="button" className="btn btn-ghost" onClick={() => store.getState().closeTimeline()}>
          Close
        </button>
      </header>
      {timeline.phase === 'loading' && <p className="muted">Loading…</p>}
      {timeline.phase === 'error' && <p className="error-text"><Icon name="alert" /> {timeline.error}</p>}
      {detail && (
        <>
          <p>
            <StatusBadge status={detail.status} edited={detail.decision?.modified ?? false} /> — <SafeText text={describeOutcome(detail, myId)} />
          </p>
          <p>
            <RiskBadge record={detail} long />
          </p>
          {detail.summary && (
            <p className="detail-summary">
              <SafeText text={detail.summary} />
            </p>
          )}
          <SuspiciousWarning record={detail} />
          <ContextSection record={detail} />
          <dl className="meta meta-compact">
            <div>
              <dt>Agent</dt>
              <dd>
                <AgentName record={detail} />
              </dd>
            </div>
            <div>
              <dt>Queue</dt>
              <dd>
                <SafeText text={detail.queue} />
              </dd>
            </div>
            <div>
              <dt>Run ID</dt>
              <dd className="mono break">
                <SafeText text={detail.runId} />
              </dd>
            </div>
            <div>
              <dt>Time to decision</dt>
              <dd>{formatElapsed(toHistoryRow(detail, myId).timeToDecisionMs)}</dd>
            </div>
          </dl>
          <ol className="timeline-list">
            {detail.timeline.map((entry, index) => (
              // `seq` is for admins only; the entry's own fields and its place make the key.
              <li key={`${entry.requestId ?? ''}|${entry.at}|${entry.type}|${index}`}>
                <time dateTime={entry.at}>{formatTimestamp(entry.at)}</time>
                <span className="timeline-type">{AUDIT_TYPE_LABELS[entry.type]}</span>
                <span className="muted">
                  by <SafeText text={describeActor(entry.actor)} />
                </span>
                {auditDataPreview(entry.data) && (
                  <code className="timeline-data">
                    <SafeText text={auditDataPreview(entry.data)} />
                  </code>
                )}
              </li>
            ))}
          </ol>
          <section className="detail-section" aria-label="Requested arguments">
            <h3>Requested arguments</h3>
            <JsonTree value={detail.args} />
          </section>
          {detail.decision?.modified && (
            <section className="detail-section" aria-label="Approved arguments">
              <h3>Arguments approved (edited)</h3>
              <JsonTree value={detail.decision.args} />
            </section>
          )}
        </>
      )}
    </section>
  );
}
