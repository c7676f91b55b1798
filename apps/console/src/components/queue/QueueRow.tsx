import { memo } from 'react';
import { useConsoleStore } from '../../app/ConsoleContext';
import { useExpired } from '../../clock/useServerClock';
import { AgentName } from '../AgentName';
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
  const classes = ['row', selected && 'row-selected', expired && 'row-expired', sending && 'row-sending'].filter(Boolean).join(' ');

  return (
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
          {record.toolName}
        </span>
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
          {record.queue}
        </span>
        <Age createdMs={item.createdMs} />
      </div>
      <div className="row-preview" title={item.preview}>
        {item.preview}
      </div>
    </div>
  );
});
