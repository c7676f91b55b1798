import { useEffect } from 'react';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { formatElapsed, toHistoryRow } from '../../domain/historyRow';
import { formatTimestamp } from '../../domain/timeFormat';
import { StatusBadge } from './StatusBadge';
import { Icon } from '../Icon';
import { AgentName } from '../AgentName';
import { RiskBadge } from '../RiskBadge';
import { SafeText, safeString } from '../text/SafeText';
import { runInBackground } from '../../domain/runInBackground';

export function HistoryTable() {
  const { history: controller } = useServices();
  const list = useConsoleStore((s) => s.history);
  const filter = useConsoleStore((s) => s.historyFilter);
  const myId = useConsoleStore((s) => s.principal?.id ?? null);
  const openId = useConsoleStore((s) => s.timeline.requestId);

  // A new filter empties the list (phase idle): fetch its first page.
  useEffect(() => {
    if (list.phase === 'idle') runInBackground(controller.loadHistory('first'));
  }, [list.phase, filter, controller]);

  return (
    <div className="history-table-wrap">
      <table className="history-table">
        <caption className="visually-hidden">{filter.sort === 'decided' ? 'Decided requests, most recently decided first' : 'Decided requests, most recently created first'}</caption>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Tool</th>
            <th scope="col">Risk</th>
            <th scope="col">Agent</th>
            <th scope="col">Queue</th>
            <th scope="col">Decided by</th>
            <th scope="col" aria-sort={filter.sort === 'decided' ? 'descending' : undefined}>
              Decided
            </th>
            <th scope="col" aria-sort={filter.sort === 'created' ? 'descending' : undefined}>
              Created
            </th>
            <th scope="col">Time to decision</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((record) => {
            const row = toHistoryRow(record, myId);
            return (
              <tr key={record.requestId} aria-current={openId === record.requestId ? 'true' : undefined}>
                <td data-label="Status">
                  <StatusBadge status={record.status} edited={row.edited} />
                </td>
                <td data-label="Tool">
                  {/* The tool name opens the request's timeline. */}
                  <button type="button" className="btn-link mono" onClick={() => runInBackground(controller.openTimeline(record.requestId))} aria-label={safeString(`Timeline of ${row.toolName} (${record.requestId})`)}>
                    <SafeText text={row.toolName} />
                  </button>
                  {record.summary && (
                    <div className="history-summary small">
                      <SafeText text={record.summary} />
                    </div>
                  )}
                </td>
                <td className="nowrap" data-label="Risk">
                  <RiskBadge record={record} />
                  {(record.suspicious?.length ?? 0) > 0 && (
                    <span className="tag tag-suspicious">
                      <span aria-hidden="true">⚠ </span>Suspicious text
                    </span>
                  )}
                </td>
                <td className="nowrap" data-label="Agent">
                  <AgentName record={record} />
                </td>
                <td data-label="Queue">
                  <SafeText text={row.queue} />
                </td>
                <td data-label="Decided by">{row.decidedBy || '—'}</td>
                <td className="nowrap" data-label="Decided">{row.decidedAt ? <time dateTime={row.decidedAt}>{formatTimestamp(row.decidedAt)}</time> : '—'}</td>
                <td className="nowrap" data-label="Created">
                  <time dateTime={row.createdAt}>{formatTimestamp(row.createdAt)}</time>
                </td>
                <td className="nowrap" data-label="Time to decision">{formatElapsed(row.timeToDecisionMs)}</td>
                <td className="reason-cell" data-label="Reason">{row.reason ? <SafeText text={row.reason} /> : <span className="muted">—</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="table-foot" aria-live="polite">
        {list.phase === 'loading' && <p className="muted">Loading…</p>}
        {list.phase === 'error' && (
          <p className="error-text">
            <Icon name="alert" />{' '}
            {list.error}{' '}
            <button type="button" className="btn btn-small" onClick={() => runInBackground(controller.loadHistory('first'))}>
              Retry
            </button>
          </p>
        )}
        {list.phase === 'ready' && list.items.length === 0 && <p className="muted">No decided request matches these filters.</p>}
        {list.phase === 'ready' && list.error && <p className="error-text"><Icon name="alert" /> {list.error}</p>}
        {list.phase === 'ready' && (
          <p className="muted small">
            {list.items.length.toLocaleString()} shown{list.nextCursor ? '' : ' · end of history'}
          </p>
        )}
        {list.nextCursor && (
          <button type="button" className="btn" disabled={list.loadingMore} onClick={() => runInBackground(controller.loadHistory('more'))}>
            {list.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        )}
      </div>
    </div>
  );
}
