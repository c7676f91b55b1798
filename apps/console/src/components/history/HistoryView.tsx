import { useState } from 'react';
import { useServices } from '../../app/ConsoleContext';
import { AuditLog } from './AuditLog';
import { ExportButtons } from './ExportButtons';
import { HistoryFilters } from './HistoryFilters';
import { HistoryTable } from './HistoryTable';
import { TimelinePanel } from './TimelinePanel';
import { Icon } from '../Icon';
import { runInBackground } from '../../domain/runInBackground';

type Tab = 'decisions' | 'audit';

export function HistoryView() {
  const { history } = useServices();
  const [tab, setTab] = useState<Tab>('decisions');
  const refresh = () => {
    if (tab === 'decisions') runInBackground(history.loadHistory('first'));
    else runInBackground(history.loadAudit('first'));
  };

  return (
    <div className="history-view">
      <div className="history-main">
        <div className="history-head">
          <h1>History</h1>
          {/* biome-ignore lint/a11y/useSemanticElements: a <fieldset>'s default border, padding and min-width fight the segmented control's layout; role="group" is the same semantics. */}
          <div className="segmented" role="group" aria-label="History view">
            <button type="button" aria-pressed={tab === 'decisions'} onClick={() => setTab('decisions')}>
              Decisions
            </button>
            <button type="button" aria-pressed={tab === 'audit'} onClick={() => setTab('audit')}>
              Audit log
            </button>
          </div>
          <div className="history-actions">
            <button type="button" className="btn btn-ghost" onClick={refresh}>
              <Icon name="refresh" /> Refresh
            </button>
            {tab === 'decisions' && <ExportButtons />}
          </div>
        </div>
        {tab === 'decisions' ? (
          <>
            <HistoryFilters />
            <HistoryTable />
          </>
        ) : (
          <AuditLog />
        )}
      </div>
      <TimelinePanel />
    </div>
  );
}
