import type { QueueItem } from '../../domain/queueItem';
import { formatTimestamp } from '../../domain/timeFormat';
import { AgentName } from '../AgentName';
import { Age } from '../queue/Age';
import { SafeText } from '../text/SafeText';

export function RequestMeta({ item }: { item: QueueItem }) {
  const r = item.record;
  return (
    <dl className="meta">
      <div>
        <dt>Agent</dt>
        <dd>
          <AgentName record={r} />
        </dd>
      </div>
      <div>
        <dt>Queue</dt>
        <dd>{r.queue}</dd>
      </div>
      <div>
        <dt>Created</dt>
        <dd>
          <time dateTime={r.createdAt}>{formatTimestamp(r.createdAt)}</time> <span className="muted">(<Age createdMs={item.createdMs} />)</span>
        </dd>
      </div>
      <div>
        <dt>Deadline</dt>
        <dd>
          <time dateTime={r.expiresAt}>{formatTimestamp(r.expiresAt)}</time>
        </dd>
      </div>
      <div>
        <dt>Run ID</dt>
        <dd className="mono break">
          <SafeText text={r.runId} />
        </dd>
      </div>
      <div>
        <dt>Conversation ID</dt>
        <dd className="mono break">{r.conversationId !== undefined ? <SafeText text={r.conversationId} /> : <span className="muted">none</span>}</dd>
      </div>
      <div className="meta-wide">
        <dt>Request ID</dt>
        <dd className="mono break">{r.requestId}</dd>
      </div>
    </dl>
  );
}
