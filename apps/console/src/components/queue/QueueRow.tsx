import { memo } from 'react';
import { useConsoleStore } from '../../app/ConsoleContext';
import { useExpired } from '../../clock/useServerClock';
import { proposalOf } from '../../domain/proposal';
import { AgentName } from '../AgentName';
import { RiskBadge } from '../RiskBadge';
import { SafeText, safeString } from '../text/SafeText';
import { Age } from './Age';
import { Countdown } from './Countdown';

export const ROW_HEIGHT = 84;

interface QueueRowProps {
  readonly id: string;
  readonly index: number;
  readonly total: number;
  readonly top: number;
}

/** One pending request. Subscribes to its own record, its selection and its countdown only. */
export const QueueRow = memo(function QueueRow({ id, index, total, top }: QueueRowProps) {
  const item = useConsoleStore((s) => s.items.get(id));
  const selected = useConsoleStore((s) => s.selectedId === id);
  const sending = useConsoleStore((s) => s.decisions[id]?.phase === 'sending');
  const select = useConsoleStore((s) => s.select);
  const expired = useExpired(item?.expiresMs ?? 0);
  if (!item) return null;
  const record = item.record;
  const dom = `rq-${id}`;
  const flagged = (record.suspicious?.length ?? 0) > 0;
  const classes = ['row', `row-risk-${record.risk ?? 'unrated'}`, selected && 'row-selected', expired && 'row-expired', sending && 'row-sending'].filter(Boolean).join(' ');

  return (
    // biome-ignore lint/a11y/useSemanticElements: see QueueList; a virtualised, absolutely positioned row.
    <div
      role="listitem"
      className={classes}
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
      aria-labelledby={`${dom}-tool ${dom}-agent`}
      aria-describedby={`${dom}-time`}
      aria-current={selected ? 'true' : undefined}
      aria-posinset={index + 1}
      aria-setsize={total}
      tabIndex={selected ? 0 : -1}
      data-request-id={id}
      onClick={() => select(id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          select(id);
        }
      }}
    >
      <div className="row-line">
        <span id={`${dom}-tool`} className="row-tool">
          <SafeText text={record.toolName} />
        </span>
        <span id={`${dom}-risk`}>
          <RiskBadge record={record} />
        </span>
        {flagged && (
          <span className="tag tag-suspicious" title="The hub found suspicious characters in this request">
            <span aria-hidden="true">⚠ </span>
            <span className="tag-words">Suspicious text</span>
          </span>
        )}
        {record.quorum && (
          <span className="tag tag-quorum" title={`Needs ${record.quorum.required} approvals from different reviewers`}>
            {record.quorum.approvals.length} of {record.quorum.required} approvals
          </span>
        )}
        {proposalOf(record) && (
          <span className="tag tag-proposal" title="A reviewer proposed edited arguments: they would run instead of the agent's">
            Edit proposed
          </span>
        )}
        {record.escalation?.fromQueue !== undefined && (
          <span className="tag tag-escalated" title={`Escalated from queue ${record.escalation.fromQueue}`}>
            Escalated
          </span>
        )}
        {sending && <span className="tag tag-sending">Sending…</span>}
        <Countdown expiresMs={item.expiresMs} id={`${dom}-time`} />
      </div>
      <div className="row-line row-meta">
        <span id={`${dom}-agent`} className="row-agent">
          <span className="visually-hidden">from </span>
          <AgentName record={record} />
        </span>
        <span className="tag tag-queue">
          <span className="visually-hidden">queue </span>
          <SafeText text={record.queue} />
        </span>
        <Age createdMs={item.createdMs} />
      </div>
      <div id={`${dom}-summary`} className="row-preview" title={safeString(record.summary ?? item.preview)}>
        {record.summary ? <SafeText className="row-summary" text={record.summary} /> : <SafeText text={item.preview} />}
      </div>
    </div>
  );
});
