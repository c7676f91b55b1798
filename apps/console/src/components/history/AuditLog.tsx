import { useEffect, useState } from 'react';
import { Icon } from '../Icon';
import { AuditType } from '@approval-hub/protocol';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { formatTimestamp } from '../../domain/timeFormat';
import { AuditData } from './AuditData';
import { AUDIT_TYPE_LABELS, describeActor } from './auditText';
import { SafeText } from '../text/SafeText';
import { runInBackground } from '../../domain/runInBackground';

/** The hub's audit log (`GET /api/audit`), newest first, paged. */
export function AuditLog() {
  const { store, history: controller } = useServices();
  const list = useConsoleStore((s) => s.audit);
  const filter = useConsoleStore((s) => s.auditFilter);
  const [queue, setQueue] = useState(filter.queue);
  // The hub sends sequence numbers to admins only (they count requests in every queue).
  const showSeq = list.items.some((entry) => entry.seq !== undefined);

  useEffect(() => {
    if (list.phase === 'idle') runInBackground(controller.loadAudit('first'));
  }, [list.phase, filter, controller]);

  return (
    <div className="audit">
      <form
        className="history-filters"
        aria-label="Filter audit log"
        onSubmit={(e) => {
          e.preventDefault();
          store.getState().setAuditFilter({ queue });
        }}
      >
        <div className="field">
          <label htmlFor="audit-type">Event</label>
          <select id="audit-type" value={filter.type} onChange={(e) => store.getState().setAuditFilter({ type: AuditType.safeParse(e.target.value).data ?? '' })}>
            <option value="">All events</option>
            {AuditType.options.map((type) => (
              <option key={type} value={type}>
                {AUDIT_TYPE_LABELS[type]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-queue">Queue</label>
          <input id="audit-queue" value={queue} onChange={(e) => setQueue(e.target.value)} placeholder="any" />
        </div>
        <div className="filter-buttons">
          <button type="submit" className="btn btn-primary">
            Apply
          </button>
        </div>
      </form>
      <div className="history-table-wrap">
        <table className="history-table">
          <caption className="visually-hidden">Audit log</caption>
          <thead>
            <tr>
              {showSeq && <th scope="col">#</th>}
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">By</th>
              <th scope="col">Queue</th>
              <th scope="col">Request</th>
              <th scope="col">Data</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((entry, index) => (
              // `seq` is for admins only: the entry's own fields and its place make the key.
              <tr key={`${entry.requestId ?? ''}|${entry.at}|${entry.type}|${index}`}>
                {showSeq && (
                  <td className="mono" data-label="#">
                    {entry.seq ?? ''}
                  </td>
                )}
                <td data-label="When">
                  <time dateTime={entry.at}>{formatTimestamp(entry.at)}</time>
                </td>
                <td data-label="Event">{AUDIT_TYPE_LABELS[entry.type]}</td>
                <td data-label="By">
                  <SafeText text={describeActor(entry.actor)} />
                </td>
                <td data-label="Queue">{entry.queue ?? '—'}</td>
                <td data-label="Request">
                  {entry.requestId ? (
                    <button type="button" className="btn-link mono" onClick={() => runInBackground(controller.openTimeline(entry.requestId as string))}>
                      {entry.requestId}
                    </button>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="audit-data" data-label="Data">
                  <AuditData data={entry.data} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="table-foot" aria-live="polite">
          {list.phase === 'loading' && <p className="muted">Loading…</p>}
          {list.error && <p className="error-text"><Icon name="alert" /> {list.error}</p>}
          {list.phase === 'ready' && list.items.length === 0 && <p className="muted">No audit entry matches.</p>}
          {list.nextCursor && (
            <button type="button" className="btn" disabled={list.loadingMore} onClick={() => runInBackground(controller.loadAudit('more'))}>
              {list.loadingMore ? 'Loading…' : 'Load more'}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
